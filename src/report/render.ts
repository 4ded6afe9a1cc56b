// `orders report` as text: a few headed tables. Pure.
import { formatTable } from '../cli/format.ts';
import type { OrdersReport } from './build.ts';

const usd = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (value: number): string => value.toLocaleString('en-US');
const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;
const minute = (iso: string | null): string => (iso === null ? '-' : iso.slice(0, 16).replace('T', ' '));

export function renderReport(report: OrdersReport): string {
  const sections: string[] = [];
  const window = report.since === null ? 'all time' : `since ${minute(report.since)} UTC`;
  sections.push(
    [
      `Orders report (${window}; order minutes ${minute(report.firstMinute)} .. ${minute(report.lastMinute)} UTC)`,
      `orders (all time)    ${count(report.ordersAllTime)}`,
      `revenue              ${usd(report.revenueUsd)} USD`,
      `items sold           ${count(report.items)}`,
      `customers ordering   ${count(report.customers.count)}`,
      `fraud alerts         ${count(report.alerts.count)}`,
      `batches checked      ${count(report.quality.batches)} (${count(report.quality.breachedBatches)} with data-quality breaches)`,
    ].join('\n'),
  );
  if (report.categories.length > 0) {
    sections.push(`Top categories\n${formatTable(['category', 'orders', 'items', 'revenue USD', 'share'], report.categories.map((c) => [c.category, c.orders, c.items, usd(c.revenueUsd), percent(c.share)]))}`);
  }
  if (report.customers.top.length > 0) {
    sections.push(`Top customers (lifetime)\n${formatTable(['customer', 'segment', 'orders', 'items', 'spend USD'], report.customers.top.map((c) => [c.customerId, c.segment, c.orders, c.items, usd(c.spendUsd)]))}`);
  }
  if (report.alerts.newest.length > 0) {
    sections.push(
      `Newest fraud alerts\n${formatTable(
        ['customer', 'rules', 'severity', 'orders', 'window end', 'batch'],
        report.alerts.newest.map((a) => [a.customerId, a.rules.join(','), a.severity, a.orderCount, minute(new Date(a.windowEnd).toISOString()), a.batchId]),
      )}`,
    );
  }
  if (report.quality.breaches.length > 0) {
    sections.push(`Data-quality breaches (newest batches)\n${formatTable(['batch', 'check', 'field', 'count', 'total', 'rate'], report.quality.breaches.map((b) => [b.batchId, b.check, b.field, b.count, b.total, percent(b.rate)]))}`);
  }
  if (report.unreadable.length > 0) sections.push(`Left out (not readable Parquet)\n${report.unreadable.map((u) => `  ${u.key}: ${u.error}`).join('\n')}`);
  return sections.join('\n\n');
}
