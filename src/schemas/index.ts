// The order event contract (docs/contract.md §1): versioned zod schemas, upcasters and the registry.
export { OrderV1Schema, type OrderV1 } from './v1.ts';
export { OrderV2Schema, type OrderV2 } from './v2.ts';
export { OrderV3Schema, OrderV3Fields, type OrderV3 } from './v3.ts';
export { upcastV1toV2, upcastV2toV3, canonicalOrder } from './upcast.ts';
export {
  decodeOrder,
  versionByShape,
  headerText,
  formatIssues,
  formatPath,
  SCHEMAS,
  SCHEMA_VERSIONS,
  LATEST_SCHEMA_VERSION,
  type DecodeResult,
  type MessageHeaders,
  type SchemaVersion,
} from './registry.ts';
export { checkCompatibility, wireJsonSchema, type CompatibilityIssue, type CompatibilityReport } from './compatibility.ts';
export { LEGACY_DATETIME_PATTERN, isCalendarDate, utcDateOf } from './fields.ts';
