// `orders dlq list|show|redrive`: the quarantine (records that broke the contract) read from the
// lake, and re-published to the orders topic once a producer or the pipeline was fixed.
import type { Command } from 'commander';
import { config, type Config } from '../config.ts';
import { workflowRunUrl } from '../contract/web-ui.ts';
import { QuarantineStore } from '../dlq/quarantine-store.ts';
import { selectQuarantined, type DlqId, type QuarantinedMessage } from '../dlq/quarantined.ts';
import { redriveMessages } from '../dlq/redrive.ts';
import { LIST_HEADERS, listedMessage, listRow, REDRIVE_HEADERS, redriveRow, redriveSummary, shownMessage, shownText } from '../dlq/views.ts';
import { UsageError } from '../errors.ts';
import { createKafka } from '../kafka/client.ts';
import { openLake } from '../lake/store.ts';
import { probeKafka } from '../simulator/kafka-sink.ts';
import { dlqIdOption, quarantineFilter, redriveSelection, type RedriveOptions } from './dlq-options.ts';
import { formatTable, parseCount, terminalSafe } from './format.ts';

interface ListOptions {
  since?: string;
  reason?: string;
  limit: string;
  json?: boolean;
}

const storeOf = (cfg: Config): QuarantineStore => new QuarantineStore(openLake(cfg), cfg.KAFKA_TOPIC);

export function register(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('quarantined records (the dead-letter queue): list, show, re-publish')
    .addHelpText('after', '\nA record\'s id is <partition>-<offset> of the original record on the orders topic (e.g. 3-1207).');

  dlq
    .command('list')
    .description('quarantined records with their reasons, newest first')
    .option('--since <duration>', 'only records that arrived within this long, e.g. 30m, 2h, 7d')
    .option('--reason <text>', 'only records whose reason contains this text (case-insensitive)')
    .option('--limit <n>', 'at most this many records', '100')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  orders dlq list --since 24h --reason totalAmount')
    .action(async (options: ListOptions) => {
      const filter = quarantineFilter(options);
      const limit = parseCount(options.limit, '--limit');
      const cfg = config();
      const store = storeOf(cfg);
      const [messages, markers] = await Promise.all([store.readAll(), store.redriveMarkers()]);
      const listed = selectQuarantined(messages, { ...filter, limit }).map((m) => listedMessage(m, markers.get(m.id)));
      if (options.json) return console.log(JSON.stringify(listed, null, 2));
      if (listed.length === 0) return console.log('no quarantined records match');
      console.log(terminalSafe(formatTable(LIST_HEADERS, listed.map(listRow))));
    });

  dlq
    .command('show')
    .description('one quarantined record whole: payload, reasons, key and headers, offsets, batch, redrive history')
    .argument('<id>', 'the record\'s <partition>-<offset>, e.g. 3-1207')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  orders dlq show 3-1207')
    .action(async (idText: string, options: { json?: boolean }) => {
      const id = dlqIdOption(idText);
      const cfg = config();
      const store = storeOf(cfg);
      const message = await store.find(id);
      if (!message) throw new UsageError(`no quarantined record ${idText} (ids are <partition>-<offset>; see orders dlq list)`);
      const [original, marker] = await Promise.all([store.original(message), store.redriveMarker(message)]);
      const shown = shownMessage(message, {
        topic: cfg.KAFKA_TOPIC,
        original,
        marker,
        batchUrl: workflowRunUrl(cfg.TEMPORAL_UI_URL, cfg.TEMPORAL_NAMESPACE, message.batchId),
        redriveOf: await store.redriveHistory(original),
      });
      console.log(options.json ? JSON.stringify(shown, null, 2) : terminalSafe(shownText(shown, message.raw)));
    });

  dlq
    .command('redrive')
    .description('re-publish quarantined records to the orders topic, once each, so they flow through the pipeline again')
    .option('--id <ids...>', 'the records to re-publish, by id (<partition>-<offset>)')
    .option('--all', 'every quarantined record not redriven before (narrow it with --since and --reason)')
    .option('--since <duration>', 'with --all: only records that arrived within this long')
    .option('--reason <text>', 'with --all: only records whose reason contains this text')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  orders dlq redrive --id 3-1207 0-88\n  orders dlq redrive --all --reason schema-version')
    .action(async (options: RedriveOptions & { json?: boolean }) => {
      const selection = redriveSelection(options);
      const cfg = config();
      const lake = openLake(cfg);
      const store = new QuarantineStore(lake, cfg.KAFKA_TOPIC);
      const messages = selection.ids ? await findAll(store, selection.ids) : selectQuarantined(await store.readAll(), selection.filter);
      await probeKafka(cfg);
      const producer = createKafka(cfg, 'orders-dlq-redrive').producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        const results = await redriveMessages({ lake, store, producer, topic: cfg.KAFKA_TOPIC }, messages);
        if (options.json) return console.log(JSON.stringify(results, null, 2));
        if (results.length > 0) console.log(formatTable(REDRIVE_HEADERS, results.map(redriveRow)));
        console.log(redriveSummary(results));
      } finally {
        await producer.disconnect();
      }
    });
}

/** The records of these ids; an id not in the quarantine stops everything before anything is published. */
async function findAll(store: QuarantineStore, ids: DlqId[]): Promise<QuarantinedMessage[]> {
  const found = await Promise.all(ids.map((id) => store.find(id)));
  const missing = ids.filter((_, i) => !found[i]).map((id) => `${id.partition}-${id.offset}`);
  if (missing.length > 0) throw new UsageError(`not in the quarantine: ${missing.join(', ')} (see orders dlq list)`);
  return [...new Map(found.map((m) => [m!.id, m!])).values()];
}
