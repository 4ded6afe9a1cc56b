// The list of CLI verbs. One line per module; each module exports `register(program)`.
import type { Command } from 'commander';
import { register as registerBackfill } from './backfill.ts';
import { register as registerBatches } from './batches.ts';
import { register as registerBridge } from './bridge.ts';
import { register as registerDashboard } from './dashboard.ts';
import { register as registerDlq } from './dlq.ts';
import { register as registerReplay } from './replay.ts';
import { register as registerReport } from './report.ts';
import { register as registerSimulate } from './simulate.ts';
import { register as registerStack } from './stack.ts';
import { register as registerStart } from './start.ts';
import { register as registerWorker } from './worker.ts';

export function registerVerbs(program: Command): void {
  registerStart(program);
  registerStack(program);
  registerWorker(program);
  registerBridge(program);
  registerSimulate(program);
  registerDashboard(program);
  registerBatches(program);
  registerReplay(program);
  registerBackfill(program);
  registerDlq(program);
  registerReport(program);
}
