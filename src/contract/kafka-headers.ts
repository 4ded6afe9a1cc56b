// Header names on order messages (docs/contract.md §1.1): part of the wire contract, read by the
// schema registry and written by the simulator and the DLQ redrive.
export const HEADER_SCHEMA_VERSION = 'schema-version';

/**
 * On a record re-published from the quarantine by `orders dlq redrive`: the DLQ id
 * (`<partition>-<offset>`) of the original record, so its history can be followed back.
 */
export const HEADER_REDRIVE_OF = 'redrive-of';
