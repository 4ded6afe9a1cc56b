// The reference data the pipeline joins against (docs/contract.md §1.5), behind one interface so that
// enrichment stays pure and tests can hand it small tables.

export interface Product {
  productId: string;
  name: string;
  category: string;
  unitPriceUsd: number;
}

export interface Customer {
  customerId: string;
  name: string;
  email: string;
  segment: string;
  ageBand: string;
  homeAddress: string;
  homeCity: string;
  homeCountry: string;
  homeLat: number;
  homeLon: number;
}

export interface Place {
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  lat: number;
  lon: number;
}

export interface ReferenceData {
  product(productId: string): Product | undefined;
  customer(customerId: string): Customer | undefined;
  /** US dollars per one unit of the coin on that date (latest rate on or before it); 1 for fiat methods. */
  usdPerUnit(paymentMethod: string, date: string): number;
  /** Resolves "<street>, <city>, <country>" to a place; undefined when it cannot. */
  geocode(city: string, country: string): Place | undefined;
}
