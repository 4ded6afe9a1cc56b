// Smoke test through the four real services of the local stack. A service that is down fails its
// test with a message naming it (requireService / withService); nothing here ever skips.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import nodemailer from 'nodemailer';
import { loadConfig } from '../../src/config.ts';
import { s3ClientFor } from '../../src/stack/health.ts';
import { caughtMail, withService } from '../helpers/services.ts';
import { uniqueName, waitFor } from '../helpers/wait.ts';
import type { SmokeActivities, smokeWorkflow } from './fixtures/smoke-workflow.ts';

const config = loadConfig();
Runtime.install({ logger: new DefaultLogger('WARN') });

void describe('the local stack', () => {
  void it('Kafka delivers a produced message to a consumer in a consumer group', { timeout: 60_000 }, async () => {
    await withService('kafka', async () => {
      const kafka = new Kafka({ clientId: uniqueName('smoke'), brokers: config.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING, retry: { retries: 3 } });
      const topic = uniqueName('smoke');
      const admin = kafka.admin();
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
        await producer.connect();
        await producer.send({ topic, messages: [{ key: 'customer-1', value: 'hello kafka', headers: { 'schema-version': '1' } }] });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const received = await new Promise<{ key: string; value: string; header: string }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no message on ${topic} within 30 s`)), 30_000);
          consumer
            .run({
              eachMessage: async ({ message }) => {
                clearTimeout(timer);
                resolve({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', header: message.headers?.['schema-version']?.toString() ?? '' });
              },
            })
            .catch(reject);
        });
        assert.deepEqual(received, { key: 'customer-1', value: 'hello kafka', header: '1' });
      } finally {
        await consumer.disconnect();
        await producer.disconnect();
        await admin.deleteTopics({ topics: [topic] }).catch(() => {});
        await admin.disconnect();
      }
    }, config);
  });

  void it('a worker runs a workflow with one activity on the Temporal dev server', { timeout: 90_000 }, async () => {
    await withService('temporal', async () => {
      const taskQueue = uniqueName('smoke');
      const activities: SmokeActivities = { greet: async (name) => `hello ${name}` };
      const nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
      const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
      try {
        const worker = await Worker.create({
          connection: nativeConnection,
          namespace: config.TEMPORAL_NAMESPACE,
          taskQueue,
          workflowsPath: path.join(import.meta.dirname, 'fixtures', 'smoke-workflow.ts'),
          activities,
        });
        const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
        const result = await worker.runUntil(
          client.workflow.execute<typeof smokeWorkflow>('smokeWorkflow', { taskQueue, workflowId: uniqueName('smoke-wf'), args: ['temporal'], workflowExecutionTimeout: '60 seconds' }),
        );
        assert.equal(result, 'hello temporal');
      } finally {
        await connection.close();
        await nativeConnection.close();
      }
    }, config);
  });

  void it('S3 stores an object and returns the same bytes', { timeout: 30_000 }, async () => {
    await withService('s3', async () => {
      const s3 = s3ClientFor(config, 3);
      const bucket = /^s3:\/\/([^/]+)/.exec(config.LAKE_URI)?.[1] ?? 'orders-lake';
      const key = `smoke/${uniqueName('object')}.txt`;
      const body = `hello s3 ${Date.now()}`;
      try {
        await s3.send(new HeadBucketCommand({ Bucket: bucket })).catch(() => s3.send(new CreateBucketCommand({ Bucket: bucket })));
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain' }));
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        assert.equal(await got.Body?.transformToString(), body);
      } finally {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => {});
        s3.destroy();
      }
    }, config);
  });

  void it('an e-mail sent over SMTP can be read back from maildev\'s REST API', { timeout: 30_000 }, async () => {
    await withService('mail', async () => {
      const subject = `smoke ${uniqueName('mail')}`;
      const transport = nodemailer.createTransport(config.SMTP_URL);
      try {
        // dated a minute ago: the catcher must report the sender's Date (the exactly-once verdict times repeats by it)
        await transport.sendMail({ from: config.ALERT_FROM, to: 'smoke-test@localhost', subject, text: 'hello maildev', date: new Date(Date.now() - 60_000) });
      } finally {
        transport.close();
      }
      const mail = await waitFor(`the e-mail "${subject}" in maildev`, async () => (await caughtMail(config)).find((m) => m.subject === subject), { timeoutMs: 10_000 });
      assert.equal(mail.to[0]?.address, 'smoke-test@localhost');
      assert.match(mail.text ?? '', /hello maildev/);
      const dated = Date.parse(mail.time ?? '');
      assert.ok(Math.abs(Date.now() - 60_000 - dated) < 10_000, `maildev's time ${String(mail.time)} is the Date header the sender wrote`);
    }, config);
  });
});
