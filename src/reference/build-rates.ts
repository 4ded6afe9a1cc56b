// Writes data/rates/crypto-usd.json from the deterministic generator: `npx tsx src/reference/build-rates.ts`.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_RATES_PATH, generateCryptoRates, type RatesFile } from './rates.ts';

/** One date per line: small diffs when the generator changes, still plain JSON. */
export function serializeRates(file: RatesFile): string {
  const lines = Object.entries(file.rates).map(([date, r]) => `    ${JSON.stringify(date)}: ${JSON.stringify(r)}`);
  const head = JSON.stringify({ description: file.description, unit: file.unit, first: file.first, last: file.last }, null, 2).slice(0, -2);
  return `${head},\n  "rates": {\n${lines.join(',\n')}\n  }\n}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync(path.dirname(DEFAULT_RATES_PATH), { recursive: true });
  writeFileSync(DEFAULT_RATES_PATH, serializeRates(generateCryptoRates()));
  console.log(`wrote ${path.relative(process.cwd(), DEFAULT_RATES_PATH)}`);
}
