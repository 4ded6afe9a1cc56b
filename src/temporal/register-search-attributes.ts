// Registers the batch runs' search attributes on a namespace where they are missing: the dev
// server only registers `--search-attribute`s when its database is new, and a real cluster needs
// them once (the same as `temporal operator search-attribute create`).
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_TYPES } from '../contract/search-attributes.ts';
import type { TemporalConnectionOptions } from './connection-options.ts';

const { IndexedValueType } = proto.temporal.api.enums.v1;

/** The server's indexed-value type for each of our search attribute types (the test server is set up with the same map). */
export const INDEXED_TYPE = {
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
} as const;

/** Adds the missing search attributes; returns their names. */
export async function registerSearchAttributes(connectionOptions: TemporalConnectionOptions, namespace: string): Promise<string[]> {
  const connection = await Connection.connect(connectionOptions);
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set(Object.keys(existing.customAttributes ?? {}));
    const missing = Object.entries(SEARCH_ATTRIBUTE_TYPES).filter(([name]) => !known.has(name));
    if (missing.length === 0) return [];
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_TYPE[type]])),
    });
    return missing.map(([name]) => name);
  } finally {
    await connection.close();
  }
}
