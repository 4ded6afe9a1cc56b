// Shipping addresses on the wire are "<street>, <city>, <ISO country code>" (docs/contract.md §1.2); older
// events may hold only the street. Parsing is from the right, so a street may itself hold commas.

export interface ParsedAddress {
  street: string;
  /** Absent when the address holds only a street. */
  city?: string;
  /** ISO 3166-1 alpha-2, upper case; absent when the address holds only a street. */
  country?: string;
}

export function formatAddress(street: string, city: string, country: string): string {
  return `${street}, ${city}, ${country}`;
}

export function parseShippingAddress(address: string): ParsedAddress {
  const parts = address.split(',').map((p) => p.trim());
  if (parts.length >= 3 && /^[A-Za-z]{2}$/.test(parts.at(-1)!) && parts.at(-2)! !== '') {
    return { street: parts.slice(0, -2).join(', '), city: parts.at(-2)!, country: parts.at(-1)!.toUpperCase() };
  }
  return { street: address.trim() };
}
