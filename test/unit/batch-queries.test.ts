// The one place batch-run visibility queries are written (src/temporal/batch-queries.ts): the CLI,
// the dashboard and the backfill must mean the same runs by "failed", "running" and "blocked".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchQuery, notCompletedInPartitionQuery, predecessorQuery, stateClause, UNFINISHED_STATUS_NAMES, UNFINISHED_STATUSES } from '../../src/temporal/batch-queries.ts';
import { workflowRunUrl } from '../../src/contract/web-ui.ts';

void describe('batch visibility queries', () => {
  void it('count every way a run can end without completing as failed, canceled included', () => {
    assert.equal(stateClause('failed'), '(ExecutionStatus = "Failed" OR ExecutionStatus = "TimedOut" OR ExecutionStatus = "Terminated" OR ExecutionStatus = "Canceled")');
    assert.equal(UNFINISHED_STATUS_NAMES.size, UNFINISHED_STATUSES.length);
  });

  void it('call a running batch blocked when it has a BlockedBy attribute, which the workflow removes when it goes on', () => {
    assert.equal(stateClause('blocked'), 'ExecutionStatus = "Running" AND BlockedBy IS NOT NULL');
  });

  void it('keep other topics out by the workflow id prefix, and leave them in when no topic is given', () => {
    assert.equal(batchQuery({ topic: 'orders', state: 'running' }), 'WorkflowType = "processOrderBatch" AND WorkflowId STARTS_WITH "orders-" AND ExecutionStatus = "Running"');
    assert.equal(batchQuery({ state: 'completed' }), 'WorkflowType = "processOrderBatch" AND ExecutionStatus = "Completed"');
  });

  void it('find the completed batches of a partition and date for a backfill from Kafka', () => {
    assert.equal(
      batchQuery({ topic: 'orders', partition: 3, batchDate: '2026-11-27', state: 'completed' }),
      'WorkflowType = "processOrderBatch" AND WorkflowId STARTS_WITH "orders-" AND ExecutionStatus = "Completed" AND `Partition` = 3 AND BatchDate = "2026-11-27"',
    );
  });

  void it('find the predecessor of a batch as the one of its partition ending just before it', () => {
    assert.equal(predecessorQuery('orders', 3, 1200), 'WorkflowType = "processOrderBatch" AND WorkflowId STARTS_WITH "orders-" AND `Partition` = 3 AND EndOffset = 1199');
  });

  void it("find a partition's runs that did not complete, keeping a partition whose number only starts alike out by the id prefix", () => {
    assert.equal(
      notCompletedInPartitionQuery('orders', 1),
      'WorkflowType = "processOrderBatch" AND WorkflowId STARTS_WITH "orders-1-" AND `Partition` = 1 AND ExecutionStatus != "Completed"',
    );
  });
});

void describe('Web UI links', () => {
  void it("point at a workflow's latest run, with the namespace and id escaped and no double slash", () => {
    assert.equal(workflowRunUrl('http://127.0.0.1:8233/', 'default', 'orders-3-1200'), 'http://127.0.0.1:8233/namespaces/default/workflows/orders-3-1200');
    assert.equal(workflowRunUrl('https://ui', 'team a', 'x/y'), 'https://ui/namespaces/team%20a/workflows/x%2Fy');
  });
});
