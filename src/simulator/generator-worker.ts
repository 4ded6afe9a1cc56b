// The simulator's generator in a worker thread (see source.ts): answers one request at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { loadReferenceData } from '../reference/index.ts';
import type { GeneratorOptions } from './generator-settings.ts';
import { OrderSimulator } from './generator.ts';
import { serve, type SourceReply, type SourceRequest } from './source.ts';

const { options, dimensionCustomers, withTruth } = workerData as { options: GeneratorOptions; dimensionCustomers: number; withTruth: boolean };
const generator = new OrderSimulator(loadReferenceData({ CUSTOMERS: dimensionCustomers }), options);

parentPort!.on('message', (request: SourceRequest) => {
  let reply: SourceReply;
  try {
    reply = serve(generator, request, withTruth, true);
  } catch (error) {
    reply = { type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  parentPort!.postMessage(reply);
});
