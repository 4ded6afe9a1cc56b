// Custom search attributes of batch runs: registered when the stack starts (or by
// `orders stack up` against any cluster) and set by every batch workflow.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  Partition: defineSearchAttributeKey('Partition', SearchAttributeType.INT),
  StartOffset: defineSearchAttributeKey('StartOffset', SearchAttributeType.INT),
  EndOffset: defineSearchAttributeKey('EndOffset', SearchAttributeType.INT),
  OrderCount: defineSearchAttributeKey('OrderCount', SearchAttributeType.INT),
  FraudCount: defineSearchAttributeKey('FraudCount', SearchAttributeType.INT),
  DqIssueCount: defineSearchAttributeKey('DqIssueCount', SearchAttributeType.INT),
  BatchDate: defineSearchAttributeKey('BatchDate', SearchAttributeType.KEYWORD),
  BlockedBy: defineSearchAttributeKey('BlockedBy', SearchAttributeType.KEYWORD),
} as const;

/** name → type as `temporal server start-dev --search-attribute NAME=TYPE` wants it. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Int' | 'Keyword'> = {
  Partition: 'Int',
  StartOffset: 'Int',
  EndOffset: 'Int',
  OrderCount: 'Int',
  FraudCount: 'Int',
  DqIssueCount: 'Int',
  BatchDate: 'Keyword',
  BlockedBy: 'Keyword',
};
