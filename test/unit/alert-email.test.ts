import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALERT_ID_HEADER,
  ALERT_KIND_HEADER,
  alertMessageId,
  escapeHtml,
  headerSafe,
  renderFraudAlertEmail,
  renderQualityAlertEmail,
} from '../../src/domain/alert-email.ts';
import { evaluateFraud, fraudAlertId, fraudMailId, mailsOfAlertRow } from '../../src/domain/fraud/evaluate.ts';
import { DEFAULT_FRAUD_RULES } from '../../src/domain/fraud/rules.ts';
import type { DqMetricRow, FraudAlertRow } from '../../src/domain/rows.ts';
import { emptyPartitionState } from '../../src/domain/state.ts';
import { linesOf, MINUTE_MS, PLACES, shippedTo, silverOrder, T0 } from './domain-fixtures.ts';

const links = { temporalRunUrl: 'http://127.0.0.1:8233/namespaces/default/workflows/orders-3-1200', dashboardUrl: 'http://127.0.0.1:3000' };
const envelope = { from: 'orders-pipeline@localhost', to: 'fraud-team@localhost' };

/** A real alert: high-value and foreign-shipping on one order of customer 1. */
function fraudCase(overrides: Parameters<typeof shippedTo>[1] = {}) {
  const order = shippedTo(PLACES.tokyo!, { orderId: 'o-42', totalAmountUsd: 4523.5, distanceFromHomeKm: 8918.6, message: 'Gift wrap, please', ...overrides });
  const { alerts } = evaluateFraud(DEFAULT_FRAUD_RULES, emptyPartitionState(), [order], linesOf([order]), 'orders-3-1200');
  assert.equal(alerts.length, 1);
  return { alert: alerts[0]!, order };
}

describe('fraud alert e-mail', () => {
  it('names the customer and the rules in a [fraud] subject and carries the figures, orders and links', () => {
    const { alert, order } = fraudCase();
    const mail = renderFraudAlertEmail(alert, [order], links, envelope, mailsOfAlertRow(alert)[0]);
    // Two weak signals together: medium, worth a mail.
    assert.equal(mail.subject, '[fraud] customer 1: high-value, foreign-shipping (medium, 1 order)');
    assert.deepEqual([mail.from, mail.to], [envelope.from, envelope.to]);
    for (const part of [mail.text, mail.html]) {
      for (const expected of ['Anna Schmidt', 'o-42', '4,523.50', 'Tokyo, JP', '8918.6', 'Gift wrap, please', 'orders-3-1200', 'high-value', 'foreign-shipping', 'above 4,000.00 USD', links.dashboardUrl]) {
        assert.ok(part.includes(expected), `${part === mail.text ? 'text' : 'html'} lacks ${expected}`);
      }
    }
    assert.ok(mail.text.includes(`Batch run in Temporal: ${links.temporalRunUrl}`));
    assert.ok(mail.html.includes(`<a href="${links.temporalRunUrl}">`));
    assert.equal(mail.headers[ALERT_ID_HEADER], fraudAlertId('orders', '1', order.orderTs));
    assert.equal(mail.headers[ALERT_KIND_HEADER], 'fraud');
  });

  it('derives the Message-ID from the mail id alone (alert and mail number), not from the batch', () => {
    const { alert, order } = fraudCase();
    const [first] = mailsOfAlertRow(alert);
    const mail = renderFraudAlertEmail(alert, [order], links, envelope, first);
    assert.match(mail.messageId, /^<[0-9a-f]{40}@streaming-orders>$/);
    assert.equal(mail.messageId, alertMessageId(fraudMailId(fraudAlertId('orders', '1', order.orderTs), 1)));
    const elsewhere = evaluateFraud(DEFAULT_FRAUD_RULES, emptyPartitionState(), [order], linesOf([order]), 'orders-3-99').alerts[0]!;
    assert.equal(renderFraudAlertEmail(elsewhere, [], { temporalRunUrl: 'http://x', dashboardUrl: 'http://y' }, envelope, mailsOfAlertRow(elsewhere)[0]).messageId, mail.messageId);
    assert.notEqual(alertMessageId(fraudMailId(fraudAlertId('orders', '2', order.orderTs), 1)), mail.messageId);
  });

  it('escapes every value that came from an order in the HTML', () => {
    const evil = '<script>alert("x")</script>';
    const { alert, order } = fraudCase({ message: evil, shippingStreet: evil, orderId: `${evil}&id`, customerName: `<b>${evil}</b>`, paymentStatus: '"PAID"' });
    const hostile: FraudAlertRow = { ...alert, customerId: `1${evil}`, alertId: `orders-3-1200:1${evil}` };
    const mail = renderFraudAlertEmail(hostile, [{ ...order, customerId: hostile.customerId, city: `<img src=x onerror=alert(1)>` }], links, envelope);
    assert.equal(/<script|<img|<b>/i.test(mail.html), false, 'no markup from the data survives');
    assert.ok(mail.html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
    assert.ok(mail.html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(mail.html.includes('&amp;id'));
    assert.ok(mail.text.includes(evil), 'the text part shows the value as it is');
  });

  it('keeps order data from breaking out of a header', () => {
    const { alert, order } = fraudCase();
    const mail = renderFraudAlertEmail({ ...alert, customerId: '1\r\nBcc: victim@example.com', alertId: 'a\nb' }, [order], links, envelope);
    assert.equal(/[\r\n]/.test(mail.subject), false);
    assert.ok(mail.subject.startsWith('[fraud] customer 1 Bcc: victim@example.com:'));
    assert.equal(mail.headers[ALERT_ID_HEADER], 'a b');
    assert.equal(headerSafe('x'.repeat(300), 10), `${'x'.repeat(9)}…`);
  });

  it('lists the earlier orders of a burst that straddles batches by id', () => {
    const orders = Array.from({ length: 7 }, (_, i) => silverOrder({ orderId: `v${i + 1}`, orderTs: T0 + i * MINUTE_MS }));
    const { alerts } = evaluateFraud(DEFAULT_FRAUD_RULES, emptyPartitionState(), orders, linesOf(orders), 'orders-0-7');
    const mail = renderFraudAlertEmail(alerts[0]!, orders.slice(4), links, envelope, mailsOfAlertRow(alerts[0]!)[0]);
    assert.equal(mail.subject, '[fraud] customer 1: velocity (high, 7 orders)');
    assert.ok(mail.text.includes('Earlier orders of the alert (previous batches): v1, v2, v3, v4'));
    assert.ok(mail.text.includes('7 orders within 60 minutes'));
  });

  it('renders crypto amounts with the coin beside the dollars', () => {
    const { alert, order } = fraudCase({ paymentMethod: 'BITCOIN', totalAmount: 0.09047 });
    assert.ok(renderFraudAlertEmail(alert, [order], links, envelope).text.includes('4,523.50 (0.09047 BITCOIN)'));
  });

  it('shows a link that is not http(s) as text, not as a link', () => {
    const { alert, order } = fraudCase();
    const mail = renderFraudAlertEmail(alert, [order], { ...links, dashboardUrl: 'javascript:alert(1)' }, envelope);
    assert.equal(mail.html.includes('href="javascript'), false);
    assert.ok(mail.html.includes('Dashboard: javascript:alert(1)'));
  });
});

describe('data-quality alert e-mail', () => {
  const breach: DqMetricRow = {
    batchId: 'orders-2-500',
    check: 'schema',
    field: 'record',
    count: 12,
    total: 200,
    breached: true,
    rate: 0.06,
    maxRate: 0.05,
    detail: JSON.stringify({ reasons: { 'items[].quantity: must be an integer ≥ 1': 9, '<script>x</script>': 3 } }),
  };

  it('states the check, the share and the threshold in a [data-quality] subject', () => {
    const mail = renderQualityAlertEmail('orders-2-500:dq:schema:record', [breach], links, envelope);
    assert.equal(mail.subject, '[data-quality] orders-2-500: schema record: 12 of 200 (6% > 5%)');
    assert.equal(mail.messageId, alertMessageId('orders-2-500:dq:schema:record'));
    assert.equal(mail.headers[ALERT_KIND_HEADER], 'data-quality');
    assert.ok(mail.text.includes('records quarantined as invalid'));
    assert.ok(mail.text.includes('9 × items[].quantity: must be an integer ≥ 1'));
    assert.ok(mail.text.includes(links.temporalRunUrl));
    assert.equal(mail.html.includes('<script>'), false);
    assert.ok(mail.html.includes('&lt;script&gt;x&lt;/script&gt;'));
  });

  it('escapes HTML special characters', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('mail headers', () => {
  it('drop C1 and bidi controls as well as C0', () => {
    assert.equal(headerSafe('[fraud] customer 1\u202Egnp.exe\u0085\u009b2J x'), '[fraud] customer 1 gnp.exe 2J x');
  });
});
