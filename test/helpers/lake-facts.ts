// Reads what a run left behind, for the exactly-once verdict (exactly-once.ts): the lake through
// DuckDB (an independent reader), the batch runs from Temporal's visibility, the partitions' high
// watermarks from Kafka and the alert mails from the catcher.
import { mailsOfAlertRow } from '../../src/domain/fraud/evaluate.ts';
import { withLakeSnapshot } from './duckdb.ts';
import type { PipelineFacts } from './exactly-once.ts';
import type { TestPipeline } from './pipeline.ts';
import { caughtMail } from './services.ts';
import { waitFor } from './wait.ts';

const TABLES = ['bronze/orders/', 'silver/orders/', 'quarantine/orders/', 'gold/customer_totals/', 'gold/category_totals/', 'gold/fraud_alerts/'];
const FUZZ_ID_SQL = `nullif(regexp_extract(raw, 'fuzz-([0-9]+)', 1), '')`;

export async function readPipelineFacts(pipeline: TestPipeline): Promise<PipelineFacts> {
  const [runs, highWatermarks] = await Promise.all([pipeline.batches(), pipeline.highWatermarks()]);
  const lake = await withLakeSnapshot(pipeline.config, TABLES, async (db) => {
    // A table with no file yet (no invalid event, no alert) reads as empty.
    const query = (sql: string) => db.query(sql).catch((error: Error) => (/No files found/i.test(error.message) ? [] : Promise.reject(error)));
    const [bronze] = await query(`SELECT count(*) FILTER (WHERE orderId NOT LIKE 'fuzz-%') AS n,
        count(DISTINCT (partition, "offset")) FILTER (WHERE orderId NOT LIKE 'fuzz-%') AS positions,
        count(*) FILTER (WHERE orderId LIKE 'fuzz-%') AS fuzz FROM {bronze/orders}`);
    const silver = await query('SELECT orderId, count(*) AS n FROM {silver/orders} GROUP BY orderId');
    const quarantine = await query(`SELECT partition, "offset", reason, ${FUZZ_ID_SQL} AS fuzzId FROM {quarantine/orders}`);
    const customers = await query(`SELECT customerId, orders, items, spendUsd FROM {gold/customer_totals}
      QUALIFY row_number() OVER (PARTITION BY customerId ORDER BY asOfOffset DESC) = 1`);
    const categories = await query(`SELECT category, sum(items) AS items, sum(revenueUsd) AS revenue FROM (
        SELECT * FROM {gold/category_totals} QUALIFY row_number() OVER (PARTITION BY partition, category ORDER BY asOfOffset DESC) = 1)
      GROUP BY category`);
    const alerts = await query('SELECT alertId, mails FROM {gold/fraud_alerts}');
    return { bronze, silver, quarantine, customers, categories, alerts };
  });
  const fraudMailIds = lake.alerts.flatMap((r) => mailsOfAlertRow({ mails: r.mails === null || r.mails === undefined ? null : String(r.mails) }).map((m) => m.mailId));
  const mails = await settledMail(pipeline, fraudMailIds.length);
  return {
    runs,
    highWatermarks,
    bronze: { rows: Number(lake.bronze?.n ?? 0), positions: Number(lake.bronze?.positions ?? 0), fuzzRows: Number(lake.bronze?.fuzz ?? 0) },
    silverCounts: new Map(lake.silver.map((r) => [String(r.orderId), Number(r.n)])),
    quarantine: lake.quarantine.map((r) => ({ partition: Number(r.partition), offset: Number(r.offset), reason: r.reason === null ? null : String(r.reason), fuzzId: r.fuzzId === null ? null : Number(r.fuzzId) })),
    customers: lake.customers.map((r) => ({ customerId: String(r.customerId), orders: Number(r.orders), items: Number(r.items), spendUsd: Number(r.spendUsd) })),
    categories: lake.categories.map((r) => ({ category: String(r.category), items: Number(r.items), revenueUsd: Number(r.revenue) })),
    fraudAlertIds: lake.alerts.map((r) => String(r.alertId)),
    fraudMailIds,
    mails,
  };
}

/** The catcher stores a mail a moment after accepting it: wait (a little) until the fraud mails reach the alert count. */
async function settledMail(pipeline: TestPipeline, fraudAlerts: number): Promise<PipelineFacts['mails']> {
  const read = async () =>
    (await caughtMail(pipeline.config))
      .filter((m) => m.to.some((t) => t.address === pipeline.config.ALERT_TO))
      .map((m) => ({ subject: m.subject, messageId: String(m.headers?.['message-id'] ?? ''), sentAt: sentAt(m.time) }));
  await waitFor('one mail per fraud mail gold asks for, in the catcher', async () => (await read()).filter((m) => m.subject.startsWith('[fraud]')).length >= fraudAlerts, { timeoutMs: 20_000 }).catch(() => undefined);
  return read();
}

/**
 * When the sender dated the mail, as epoch ms (null when unknown). maildev keeps the Date header
 * as the mail's `time` (parsed, whole seconds) and leaves it out of `headers`.
 */
function sentAt(time: string | undefined): number | null {
  const ms = time === undefined ? NaN : Date.parse(time);
  return Number.isNaN(ms) ? null : ms;
}
