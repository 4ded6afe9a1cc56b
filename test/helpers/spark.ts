// PySpark with Delta Lake's Spark package as a reader of the lake, for tests: what a Databricks
// or Spark team would run against the same table. pyspark comes from PyPI into a virtualenv;
// Spark itself fetches io.delta:delta-spark from Maven Central on first use (into ~/.ivy2).
// delta-spark 4.0.0 goes with Spark 4.0 (the newest delta-spark's jar was not served).
import path from 'node:path';
import { pythonVenv, run } from './python-venv.ts';

export const SPARK_PACKAGES = ['pyspark==4.0.1'];
export const DELTA_SPARK_PACKAGE = 'io.delta:delta-spark_2.13:4.0.0';
const SCRIPT = path.join(import.meta.dirname, 'spark_read.py');

export interface SparkTable {
  version: number;
  rows: number;
  values: string[];
  commits: number;
}

/** Reads the Delta table in the local folder `tableDir` with Spark; `column`'s values come back sorted. */
export async function readWithSpark(tableDir: string, column: string): Promise<SparkTable> {
  const python = await pythonVenv('pyspark-4.0.1', SPARK_PACKAGES);
  const env = { ...process.env, PYSPARK_PYTHON: python, SPARK_LOCAL_IP: '127.0.0.1' };
  const out = await run(python, [SCRIPT, JSON.stringify({ path: tableDir, column, package: DELTA_SPARK_PACKAGE })], { env, timeoutMs: 600_000 });
  try {
    return JSON.parse(out.slice(out.indexOf('{'))) as SparkTable;
  } catch {
    throw new Error(`Spark printed no JSON: ${out.slice(0, 500)}`);
  }
}
