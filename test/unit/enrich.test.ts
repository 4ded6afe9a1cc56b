import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enrichOrder, roundCents, UNKNOWN } from '../../src/domain/enrich.ts';
import { canonicalOrder, stubReference } from './domain-fixtures.ts';

const ref = stubReference();
const pos = { partition: 2, offset: 41, kafkaTs: Date.parse('2026-11-24T10:00:01Z'), schemaVersion: 3 };

describe('enrichOrder', () => {
  it('joins the catalog, the customer and the gazetteer for an order shipped home', () => {
    const { order, items, unresolvedAddress, unknownProducts } = enrichOrder(canonicalOrder(), pos, ref);
    assert.equal(order.orderTs, Date.parse('2026-11-24T10:00:00Z'));
    assert.equal(order.orderDate, '2026-11-24');
    assert.equal(order.totalAmountUsd, 35);
    assert.deepEqual([order.shippingStreet, order.city, order.country, order.lat, order.lon], ['Lindenstraße 5', 'Berlin', 'DE', 52.52, 13.405]);
    assert.deepEqual([order.customerName, order.customerSegment, order.customerAgeBand, order.homeCity, order.homeCountry], ['Anna Schmidt', 'consumer', '25-34', 'Berlin', 'DE']);
    assert.equal(order.distanceFromHomeKm, 0);
    assert.equal(order.shipsToHome, true);
    assert.equal(order.itemCount, 3, 'itemCount counts units: 2 + 1');
    assert.deepEqual([order.partition, order.offset, order.kafkaTs, order.schemaVersion], [2, 41, pos.kafkaTs, 3]);
    assert.equal(unresolvedAddress, false);
    assert.equal(unknownProducts, 0);
    assert.deepEqual(
      items.map((i) => [i.productId, i.productName, i.category, i.quantity, i.unitPriceUsd, i.lineAmountUsd]),
      [
        ['P001', 'Classic USB-C Cable', 'Electronics', 2, 10, 20],
        ['P002', 'Paperback Novel', 'Books', 1, 15, 15],
      ],
    );
    assert.ok(items.every((i) => i.orderId === 'o-1' && i.customerId === '1' && i.orderDate === '2026-11-24' && i.orderTs === order.orderTs));
  });

  it('converts a crypto total to US dollars with the rate of the order date, rounded to cents', () => {
    const btc = enrichOrder(canonicalOrder({ paymentMethod: 'BITCOIN', totalAmount: 0.00123457 }), pos, ref).order;
    assert.equal(btc.totalAmount, 0.00123457);
    assert.equal(btc.totalAmountUsd, 61.73, '0.00123457 × 50,000 = 61.7285 → 61.73');
    const nextDay = enrichOrder(canonicalOrder({ paymentMethod: 'BITCOIN', totalAmount: 0.001, orderDate: '2026-11-25T00:30:00+01:00', dateOrder: '2026-11-24' }), pos, ref).order;
    assert.equal(nextDay.totalAmountUsd, 50, 'the rate follows dateOrder (the UTC date), not the local date in orderDate');
    const eth = enrichOrder(canonicalOrder({ paymentMethod: 'ETHEREUM', totalAmount: 1.5 }), pos, ref).order;
    assert.equal(eth.totalAmountUsd, 3000);
  });

  it('rounds half-cents up the way a person would', () => {
    assert.equal(roundCents(1.005), 1.01);
    assert.equal(roundCents(2.675), 2.68);
    assert.equal(roundCents(10), 10);
    assert.equal(roundCents(0.1 + 0.2), 0.3);
    const line = enrichOrder(canonicalOrder({ items: [{ productId: 'P033', quantity: 1 }] }), pos, ref).items[0]!;
    assert.equal(line.lineAmountUsd, 1.01);
  });

  it('marks an address holding only the street as Unknown and unresolved, still recognising the home street', () => {
    const result = enrichOrder(canonicalOrder({ shippingAddress: 'Lindenstraße 5' }), { ...pos, schemaVersion: 1 }, ref);
    assert.equal(result.unresolvedAddress, true);
    assert.deepEqual([result.order.shippingStreet, result.order.city, result.order.country, result.order.lat, result.order.lon], ['Lindenstraße 5', UNKNOWN, UNKNOWN, null, null]);
    assert.equal(result.order.distanceFromHomeKm, null);
    assert.equal(result.order.shipsToHome, true);
    assert.equal(result.order.schemaVersion, 1);
  });

  it('keeps the names of a city the gazetteer does not know, without coordinates', () => {
    const result = enrichOrder(canonicalOrder({ shippingAddress: '1 Nowhere Road, Atlantis, GR' }), pos, ref);
    assert.equal(result.unresolvedAddress, true);
    assert.deepEqual([result.order.city, result.order.country, result.order.lat, result.order.distanceFromHomeKm, result.order.shipsToHome], ['Atlantis', 'GR', null, null, false]);
  });

  it('measures the distance from home for an order shipped elsewhere', () => {
    const { order } = enrichOrder(canonicalOrder({ shippingAddress: 'Marienplatz 1, Munich, DE' }), pos, ref);
    assert.equal(order.shipsToHome, false);
    assert.equal(order.city, 'Munich');
    assert.ok(order.distanceFromHomeKm! > 500 && order.distanceFromHomeKm! < 510, `Berlin–Munich is about 504 km, got ${order.distanceFromHomeKm}`);
    assert.equal(order.distanceFromHomeKm, Math.round(order.distanceFromHomeKm! * 10) / 10, 'rounded to 0.1 km');
  });

  it('gives an unknown customer empty demographics, no home distance and no home shipping', () => {
    const { order } = enrichOrder(canonicalOrder({ customerId: '999999' }), pos, ref);
    assert.deepEqual([order.customerName, order.customerSegment, order.customerAgeBand, order.homeCity, order.homeCountry], ['', '', '', '', '']);
    assert.equal(order.distanceFromHomeKm, null);
    assert.equal(order.shipsToHome, false);
    assert.equal(order.city, 'Berlin', 'the address still resolves');
  });

  it('keeps a line of an unknown product with category Unknown and no price', () => {
    const result = enrichOrder(canonicalOrder({ items: [{ productId: 'P001', quantity: 1 }, { productId: 'P555', quantity: 3 }] }), pos, ref);
    assert.equal(result.unknownProducts, 1);
    assert.deepEqual(result.items[1], { ...result.items[1]!, productId: 'P555', productName: '', category: UNKNOWN, quantity: 3, unitPriceUsd: 0, lineAmountUsd: 0 });
  });

  it('passes the message through and never invents one', () => {
    assert.equal(enrichOrder(canonicalOrder({ message: 'Ring twice' }), pos, ref).order.message, 'Ring twice');
    assert.equal(enrichOrder(canonicalOrder(), pos, ref).order.message, '');
  });
});
