// Recorded workflow histories as JSON fixtures (test/fixtures/histories/), written by
// `npm run record-histories` and replayed by test/unit/workflow-replay.test.ts.
//
// The history is stored in protobufjs' JSON form (enum names, 64-bit numbers as strings, bytes in
// base64) through @temporalio/proto's own classes: the SDK's historyToJSON goes through a second
// copy of protobufjs in this install and rejects @temporalio/proto's types.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import proto from '@temporalio/proto';

const { History } = proto.temporal.api.history.v1;
type HistoryMessage = proto.temporal.api.history.v1.History;

export const HISTORIES_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'histories');

export interface HistoryFixture {
  /** The id the run had: a replayed parent must start its children under the ids it used then. */
  workflowId: string;
  /** Why this run is worth keeping: the path through the workflow it takes. */
  scenario: string;
  history: HistoryMessage;
  file: string;
}

/** The text of a fixture file. */
export function historyToFixture(workflowId: string, scenario: string, history: proto.temporal.api.history.v1.IHistory): string {
  const json = History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });
  return `${JSON.stringify({ workflowId, recordedBy: 'npm run record-histories', scenario, history: json }, null, 1)}\n`;
}

/** Every fixture, in file-name order. */
export function readHistoryFixtures(dir = HISTORIES_DIR): HistoryFixture[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { workflowId: string; scenario: string; history: Record<string, unknown> };
      return { workflowId: parsed.workflowId, scenario: parsed.scenario, history: History.fromObject(parsed.history), file };
    });
}
