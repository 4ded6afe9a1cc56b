// The reference data of docs/contract.md §1.5 behind the ReferenceData interface: the product catalog, the
// customer dimension, the dated crypto rates and the gazetteer. Everything is offline and
// deterministic; loading takes well under a second and a few MB.
import type { Config } from '../config.ts';
import { CustomerDimension, DEFAULT_CUSTOMER_SEED } from './customers.ts';
import { DEFAULT_MIN_POPULATION, loadGazetteer, type City, type Gazetteer } from './gazetteer.ts';
import { findProduct, PRODUCTS } from './products.ts';
import { DEFAULT_RATES_PATH, loadCryptoRates, type CryptoRates } from './rates.ts';
import type { Customer, Product, ReferenceData } from './types.ts';

export { parseShippingAddress, formatAddress, type ParsedAddress } from './address.ts';
export { CATEGORIES, PRODUCTS, findProduct } from './products.ts';
export { CustomerDimension, SEGMENTS, AGE_BANDS } from './customers.ts';
export { CryptoRates, COIN_BY_METHOD, coinOf, loadCryptoRates } from './rates.ts';
export { Gazetteer, loadGazetteer, normalizePlaceName, type City } from './gazetteer.ts';
export type { Customer, Place, Product, ReferenceData } from './types.ts';

export class ShopReferenceData implements ReferenceData {
  constructor(
    readonly products: readonly Product[],
    readonly customers: CustomerDimension,
    readonly rates: CryptoRates,
    readonly gazetteer: Gazetteer,
  ) {}

  product(productId: string): Product | undefined {
    return findProduct(productId);
  }

  customer(customerId: string): Customer | undefined {
    return this.customers.get(customerId);
  }

  usdPerUnit(paymentMethod: string, date: string): number {
    return this.rates.usdPerUnit(paymentMethod, date);
  }

  geocode(city: string, country: string): City | undefined {
    return this.gazetteer.geocode(city, country);
  }
}

export interface ReferenceOptions {
  /** Seed of the customer dimension; the default is what the simulator and the pipeline share. */
  customerSeed?: string;
  ratesPath?: string;
  minCityPopulation?: number;
}

/** Builds the reference data for `config.CUSTOMERS` customers. Cheap to call again: the gazetteer is cached. */
export function loadReferenceData(config: Pick<Config, 'CUSTOMERS'>, options: ReferenceOptions = {}): ShopReferenceData {
  const gazetteer = loadGazetteer(options.minCityPopulation ?? DEFAULT_MIN_POPULATION);
  return new ShopReferenceData(
    PRODUCTS,
    new CustomerDimension(config.CUSTOMERS, gazetteer, options.customerSeed ?? DEFAULT_CUSTOMER_SEED),
    loadCryptoRates(options.ratesPath ?? DEFAULT_RATES_PATH),
    gazetteer,
  );
}
