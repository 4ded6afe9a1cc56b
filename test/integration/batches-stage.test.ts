// `orders batches list` says what a running batch is doing instead of leaving its counts empty:
// two batches of one partition on a task queue no worker polls, the second waiting for the first.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config.ts';
import { SA } from '../../src/contract/search-attributes.ts';
import { ordersJson, runOrders } from '../helpers/cli.ts';
import { requireService } from '../helpers/services.ts';
import { uniqueName, waitFor } from '../helpers/wait.ts';

const topic = uniqueName('stage');
const env = { KAFKA_TOPIC: topic, TEMPORAL_TASK_QUEUE: `${topic}-queue` };
const first = `${topic}-2-0`;
const second = `${topic}-2-100`;
let connection: Connection;
let client: Client;

before(async () => {
  const config = loadConfig({ ...process.env, ...env });
  await requireService('temporal', config);
  connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const attrs = (start: number, end: number) => [
    { key: SA.Partition, value: 2 },
    { key: SA.StartOffset, value: start },
    { key: SA.EndOffset, value: end },
  ];
  await client.workflow.start('processOrderBatch', { taskQueue: env.TEMPORAL_TASK_QUEUE, workflowId: first, args: [], typedSearchAttributes: attrs(0, 99) });
  await client.workflow.start('processOrderBatch', { taskQueue: env.TEMPORAL_TASK_QUEUE, workflowId: second, args: [], typedSearchAttributes: attrs(100, 199) });
});

after(async () => {
  await Promise.all([first, second].map((id) => client.workflow.getHandle(id).terminate('test over').catch(() => undefined)));
  await connection.close();
});

test('a running batch names the batch it waits for, and its counts are a dash', async () => {
  // Visibility is eventually consistent: wait until both runs are listed.
  const runs = await waitFor('both runs listed', async () => {
    const listed = await ordersJson<{ workflowId: string; stage?: string }[]>(['batches', 'list', '--running'], env);
    return listed.length === 2 ? listed : undefined;
  }, { timeoutMs: 30_000 });
  assert.deepEqual(runs.map((run) => [run.workflowId, run.stage]), [
    [first, 'starting'],
    [second, `waiting for ${first}`],
  ]);
  const table = await runOrders(['batches', 'list', '--running'], env);
  assert.equal(table.code, 0, table.stderr);
  const line = table.stdout.split('\n').find((l) => l.startsWith(second)) ?? '';
  assert.match(line, new RegExp(`RUNNING\\s+2\\s+100\\.\\.199\\s+–\\s+–\\s+–\\s+.*waiting for ${first}$`));
});
