// Prints the tables of a bench result for docs/benchmarks.md (the pipeline, with the Spark peer when
// it ran, and the Kafka client comparison when it ran).
//   npx tsx bench/report.ts [bench/results/latest.json]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { reportMarkdown, type ReportInput } from './lib/report.ts';

const file = process.argv[2] ?? path.join(import.meta.dirname, 'results', 'latest.json');
process.stdout.write(reportMarkdown(JSON.parse(readFileSync(file, 'utf8')) as ReportInput));
