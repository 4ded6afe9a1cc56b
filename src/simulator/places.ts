// Where the simulator ships orders besides the customer's home, chosen so that normal traffic and
// each fraud pattern sit clearly on their side of the detectors' thresholds (docs/truth-file.md):
//   near       same country, 20–250 km from home (normal; the rule threshold is none below 300 km)
//   far        impossible-travel: ≥ 1,200 km from home, same country, or abroad but ≤ 1,800 km
//              (so it never also looks like foreign-shipping, whose threshold is 2,000 km)
//   foreign    foreign-shipping: another country, ≥ 2,500 km from home
import { haversineKm } from '../domain/geo.ts';
import type { City, Gazetteer } from '../reference/gazetteer.ts';

export const NEAR_KM = { min: 20, max: 250 } as const;
export const FAR_KM = { min: 1200, maxAbroad: 1800 } as const;
export const FOREIGN_MIN_KM = 2500;

interface Home {
  homeCity: string;
  homeCountry: string;
  homeLat: number;
  homeLon: number;
}

const pickers = new WeakMap<Gazetteer, PlacePicker>();

/** One picker per gazetteer, so its per-home caches are shared by every simulator in the process. */
export function placePicker(gazetteer: Gazetteer): PlacePicker {
  let picker = pickers.get(gazetteer);
  if (!picker) pickers.set(gazetteer, (picker = new PlacePicker(gazetteer)));
  return picker;
}

export class PlacePicker {
  private readonly near = new Map<string, City[]>();
  private readonly far = new Map<string, City[]>();
  private readonly foreign = new Map<string, City[]>();
  private readonly bigCities: City[];
  private readonly largeCities: City[];

  constructor(private readonly gazetteer: Gazetteer) {
    this.bigCities = gazetteer.cities.filter((c) => c.population >= 1_000_000 && this.usable(c));
    this.largeCities = gazetteer.cities.filter((c) => c.population >= 300_000 && this.usable(c));
  }

  private readonly usableByCountry = new Map<string, City[]>();

  /** Fits the address format (no comma in the name) and geocodes back to itself. */
  private usable(c: City): boolean {
    return !c.city.includes(',') && this.gazetteer.isCanonical(c);
  }

  /** The usable cities of a country, largest first (computed once per country). */
  private usableIn(country: string): City[] {
    let list = this.usableByCountry.get(country);
    if (!list) this.usableByCountry.set(country, (list = this.gazetteer.inCountry(country).filter((c) => this.usable(c))));
    return list;
  }

  private static key(home: Home): string {
    return `${home.homeCity}|${home.homeCountry}`;
  }

  private static distance(home: Home, city: City): number {
    return haversineKm({ lat: home.homeLat, lon: home.homeLon }, city);
  }

  nearCities(home: Home): readonly City[] {
    const key = PlacePicker.key(home);
    let list = this.near.get(key);
    if (!list) {
      list = this.usableIn(home.homeCountry).filter((c) => {
        if (c.population < 20_000 || c.city === home.homeCity) return false;
        const km = PlacePicker.distance(home, c);
        return km >= NEAR_KM.min && km <= NEAR_KM.max;
      });
      this.near.set(key, list);
    }
    return list;
  }

  farCities(home: Home): readonly City[] {
    const key = PlacePicker.key(home);
    let list = this.far.get(key);
    if (!list) {
      const domestic = this.usableIn(home.homeCountry).filter((c) => c.population >= 100_000 && PlacePicker.distance(home, c) >= FAR_KM.min);
      list = domestic.length > 0
        ? domestic
        : this.largeCities.filter((c) => {
            if (c.country === home.homeCountry) return false;
            const km = PlacePicker.distance(home, c);
            return km >= FAR_KM.min && km <= FAR_KM.maxAbroad;
          });
      this.far.set(key, list);
    }
    return list;
  }

  foreignCities(home: Home): readonly City[] {
    const key = PlacePicker.key(home);
    let list = this.foreign.get(key);
    if (!list) {
      list = this.bigCities.filter((c) => c.country !== home.homeCountry && PlacePicker.distance(home, c) >= FOREIGN_MIN_KM);
      this.foreign.set(key, list);
    }
    return list;
  }

  distanceKm(home: Home, city: City): number {
    return PlacePicker.distance(home, city);
  }
}
