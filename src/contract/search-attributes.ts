// Custom search attributes of batch runs. Counts are Double because the dev server's SQLite
// visibility store holds at most three Int attributes (offsets need them); queries read the same.
// Registered when the stack starts and set by every batch workflow.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  Partition: defineSearchAttributeKey('Partition', SearchAttributeType.INT),
  StartOffset: defineSearchAttributeKey('StartOffset', SearchAttributeType.INT),
  EndOffset: defineSearchAttributeKey('EndOffset', SearchAttributeType.INT),
  OrderCount: defineSearchAttributeKey('OrderCount', SearchAttributeType.DOUBLE),
  FraudCount: defineSearchAttributeKey('FraudCount', SearchAttributeType.DOUBLE),
  DqIssueCount: defineSearchAttributeKey('DqIssueCount', SearchAttributeType.DOUBLE),
  BatchDate: defineSearchAttributeKey('BatchDate', SearchAttributeType.KEYWORD),
  BlockedBy: defineSearchAttributeKey('BlockedBy', SearchAttributeType.KEYWORD),
} as const;

/** name → type as `temporal server start-dev --search-attribute NAME=TYPE` wants it. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Int' | 'Double' | 'Keyword'> = {
  Partition: 'Int',
  StartOffset: 'Int',
  EndOffset: 'Int',
  OrderCount: 'Double',
  FraudCount: 'Double',
  DqIssueCount: 'Double',
  BatchDate: 'Keyword',
  BlockedBy: 'Keyword',
};
