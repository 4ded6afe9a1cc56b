// Prints the pipeline table of a bench result for docs/benchmarks.md.
//   npx tsx bench/report.ts [bench/results/latest.json]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pipelineTable, type ReportInput } from './lib/report.ts';

const file = process.argv[2] ?? path.join(import.meta.dirname, 'results', 'latest.json');
process.stdout.write(pipelineTable(JSON.parse(readFileSync(file, 'utf8')) as ReportInput));
