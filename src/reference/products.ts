// The product catalog P001..P100 (docs/contract.md §1.5): unit price 5 + 5n US dollars for Pnnn, with a name
// and one of eight categories. Generated in code from a fixed seed, so it never drifts.
import type { Product } from './types.ts';
import { Random } from './prng.ts';

export const PRODUCT_COUNT = 100;

/** Category → product nouns, cheapest first: the n-th cheapest product of a category gets the n-th noun. */
const NOUNS: Record<string, readonly string[]> = {
  Electronics: ['USB-C Cable', 'Phone Charger', 'Wireless Mouse', 'Laptop Stand', 'Bluetooth Speaker', 'Webcam', 'Mechanical Keyboard', 'Wireless Earbuds', 'Smart Watch', 'E-Reader', 'Noise-Cancelling Headphones', 'Tablet', '4K Monitor'],
  'Home & Kitchen': ['Tea Towel Set', 'Cutting Board', 'Chef Knife', 'French Press', 'Table Lamp', 'Cast Iron Skillet', 'Bed Sheet Set', 'Dutch Oven', 'Air Fryer', 'Robot Vacuum', 'Espresso Machine', 'Stand Mixer', 'Smart Thermostat'],
  Books: ['Paperback Novel', 'Poetry Collection', 'Travel Guide', 'Cookbook', 'Graphic Novel', 'Biography', 'Science Handbook', 'History Atlas', 'Art Monograph', 'Hardcover Box Set', 'Encyclopedia Set', "Collector's Edition", 'Signed First Edition'],
  Clothing: ['Cotton Socks', 'T-Shirt', 'Baseball Cap', 'Wool Scarf', 'Jeans', 'Hoodie', 'Sneakers', 'Rain Jacket', 'Leather Belt', 'Cashmere Sweater', 'Winter Boots', 'Wool Coat', 'Down Parka'],
  'Sports & Outdoors': ['Water Bottle', 'Yoga Mat', 'Resistance Bands', 'Running Shorts', 'Headlamp', 'Dumbbell Pair', 'Hiking Backpack', 'Trail Shoes', 'Sleeping Bag', 'Camping Tent', 'Bike Helmet', 'GPS Watch', 'Rowing Machine'],
  Beauty: ['Lip Balm', 'Hand Cream', 'Shampoo', 'Face Serum', 'Perfume Sample Set', 'Hair Dryer', 'Electric Toothbrush', 'Skincare Gift Set', 'Hair Straightener', 'Eau de Parfum', 'Facial Steamer', 'Massage Gun', 'LED Face Mask'],
  'Toys & Games': ['Playing Cards', 'Jigsaw Puzzle', 'Plush Bear', 'Board Game', 'Building Blocks', 'Remote Control Car', 'Science Kit', 'Dollhouse', 'Train Set', 'Telescope', 'Camera Drone', 'Ride-On Car', 'Game Console Bundle'],
  Grocery: ['Sea Salt', 'Green Tea', 'Olive Oil', 'Coffee Beans', 'Dark Chocolate Box', 'Spice Collection', 'Honey Jar Set', 'Aged Balsamic', 'Truffle Oil', 'Gourmet Hamper', 'Saffron Tin', 'Caviar Tin', 'Wagyu Box'],
};

export const CATEGORIES: readonly string[] = Object.keys(NOUNS);

const ADJECTIVES = ['Classic', 'Premium', 'Compact', 'Deluxe', 'Eco', 'Pro', 'Essential', 'Urban', 'Nordic', 'Heritage', 'Studio', 'Everyday'];

export const productId = (n: number): string => `P${String(n).padStart(3, '0')}`;
export const unitPriceUsd = (n: number): number => 5 + 5 * n;

function buildCatalog(): Product[] {
  // Deal the 100 price slots to the 8 categories (12 or 13 each) in a seeded order, so every
  // category spans cheap and expensive products, as real categories do.
  const random = new Random('catalog-v1');
  const slots = random.shuffled(Array.from({ length: PRODUCT_COUNT }, (_, i) => i + 1));
  const byCategory = new Map<string, number[]>(CATEGORIES.map((c) => [c, []]));
  slots.forEach((n, i) => byCategory.get(CATEGORIES[i % CATEGORIES.length]!)!.push(n));
  const products: Product[] = [];
  for (const [category, numbers] of byCategory) {
    numbers.sort((a, b) => a - b);
    numbers.forEach((n, rank) => {
      const noun = NOUNS[category]![rank]!;
      products.push({ productId: productId(n), name: `${random.pick(ADJECTIVES)} ${noun}`, category, unitPriceUsd: unitPriceUsd(n) });
    });
  }
  return products.sort((a, b) => a.productId.localeCompare(b.productId));
}

/** The catalog, ordered by product id (index i holds P(i+1)). */
export const PRODUCTS: readonly Product[] = Object.freeze(buildCatalog());

const BY_ID = new Map(PRODUCTS.map((p) => [p.productId, p]));

export function findProduct(id: string): Product | undefined {
  return BY_ID.get(id);
}
