// The receipts the sales report tests read: two stores in two time zones, sales with several
// lines, discounts, tax, grams (fractional quantities), a line of unknown cost, refunds (one in
// the next month), a voided sale, a voided refund, a deleted sale, an anonymous sale, a sale late
// in the local evening (next day in UTC), and another merchant's sale on the same day.
import type { TestDb } from "../helpers/db.js";
import {
  lineFor,
  makeCustomer,
  makeEmployee,
  makeKey,
  makeLocation,
  makeMerchant,
  makeProduct,
  makeTransaction,
} from "../helpers/factories.js";

export async function arrangeSales(db: TestDb) {
  const merchant = await makeMerchant(db);
  const denver = await makeLocation(db, merchant.id, { name: "Denver, Colfax", timeZone: "America/Denver" });
  const brooklyn = await makeLocation(db, merchant.id, { name: "Brooklyn", timeZone: "America/New_York" });
  const ana = await makeEmployee(db, merchant.id, { firstName: "Ana", lastName: "Ruiz" });
  const ben = await makeEmployee(db, merchant.id, { firstName: "Ben", lastName: "Ode" });
  const avery = await makeCustomer(db, merchant.id);
  const blake = await makeCustomer(db, merchant.id);
  const flower = await makeProduct(db, merchant.id, {
    sku: "FL-1",
    name: "Blue Dream 3.5g",
    category: "Flower",
    brand: "Good Farms",
  });
  const gummies = await makeProduct(db, merchant.id, {
    sku: "ED-1",
    name: 'Gummies "Sour", 10 pack',
    category: "Edibles",
    brand: "Kiva, Inc.",
  });
  const preroll = await makeProduct(db, merchant.id, {
    sku: "PR-1",
    name: "=1+2 Pre-roll",
    category: "Pre-Rolls\nInfused",
    brand: null,
  });

  const at = (iso: string) => new Date(iso);
  const sale = (location: typeof denver, iso: string, options: Parameters<typeof makeTransaction>[2]) =>
    makeTransaction(db, location, { transactedAt: at(iso), ...options });

  // Oct 5 (Denver): two lines, a discount, tax.
  const t1 = await sale(denver, "2026-10-05T18:00:00Z", {
    customerId: avery.id,
    employeeId: ana.id,
    lines: [
      lineFor(flower, { unitPrice: "35.00", quantity: "2", discount: "5.00", tax: "4.88", unitCost: "12.5000" }),
      lineFor(gummies, { unitPrice: "18.00", quantity: "1", tax: "2.70", unitCost: "6.2500" }),
    ],
  });
  // 23:30 on Oct 5 in Denver is Oct 6 in UTC: the business day is Oct 5. 3.5 g at 12.99 = 45.465 → 45.47.
  await sale(denver, "2026-10-06T05:30:00Z", {
    employeeId: ben.id,
    lines: [lineFor(flower, { unitPrice: "12.99", quantity: "3.5", tax: "6.82", unitCost: "4.1234" })],
  });
  // Oct 5 (Brooklyn): anonymous employee, a line of a product without brand.
  await sale(brooklyn, "2026-10-05T14:00:00Z", {
    customerId: blake.id,
    lines: [
      lineFor(preroll, { unitPrice: "10.00", quantity: "1", discount: "1.00", tax: "1.35", unitCost: "3.0000" }),
      lineFor(gummies, { unitPrice: "18.00", quantity: "2", tax: "5.40", unitCost: "6.2500" }),
    ],
  });
  // Oct 12 sale, refunded on Oct 20.
  const t4 = await sale(brooklyn, "2026-10-12T16:00:00Z", {
    customerId: blake.id,
    employeeId: ana.id,
    lines: [lineFor(flower, { unitPrice: "35.00", quantity: "1", tax: "5.25", unitCost: "12.5000" })],
  });
  await sale(brooklyn, "2026-10-20T16:00:00Z", {
    customerId: blake.id,
    employeeId: ana.id,
    refundOf: t4,
    lines: [lineFor(flower, { unitPrice: "35.00", quantity: "1", tax: "5.25", unitCost: "12.5000" })],
  });
  // Voided (left out entirely).
  await sale(denver, "2026-10-14T18:00:00Z", {
    voidedAt: at("2026-10-14T18:05:00Z"),
    lines: [lineFor(flower, { unitPrice: "35.00", quantity: "10", tax: "52.50" })],
  });
  // A line whose cost is unknown.
  await sale(denver, "2026-10-15T18:00:00Z", {
    customerId: avery.id,
    employeeId: ben.id,
    lines: [lineFor(gummies, { unitPrice: "18.00", quantity: "1", tax: "2.70", unitCost: null })],
  });
  // Deleted (a tombstone: left out).
  await sale(denver, "2026-10-16T18:00:00Z", {
    deletedAt: at("2026-10-17T00:00:00Z"),
    lines: [lineFor(gummies, { unitPrice: "18.00", quantity: "5" })],
  });
  // Oct 28 sale with a 10% discount; part of it refunded on Nov 2 (next month).
  const t8 = await sale(denver, "2026-10-28T18:00:00Z", {
    customerId: avery.id,
    employeeId: ana.id,
    lines: [lineFor(gummies, { unitPrice: "18.00", quantity: "4", discount: "7.20", tax: "9.72", unitCost: "6.2500" })],
  });
  await sale(denver, "2026-11-02T18:00:00Z", {
    customerId: avery.id,
    employeeId: ana.id,
    refundOf: t8,
    lines: [lineFor(gummies, { unitPrice: "18.00", quantity: "1", discount: "1.80", tax: "2.43", unitCost: "6.2500" })],
  });
  // A voided refund (left out).
  await sale(denver, "2026-10-07T18:00:00Z", {
    refundOf: t1,
    voidedAt: at("2026-10-07T18:01:00Z"),
    lines: [lineFor(flower, { unitPrice: "35.00", quantity: "2", discount: "5.00", tax: "4.88" })],
  });
  // November.
  await sale(denver, "2026-11-03T18:00:00Z", {
    customerId: blake.id,
    employeeId: ben.id,
    lines: [lineFor(preroll, { unitPrice: "10.00", quantity: "3", tax: "4.05", unitCost: "3.0000" })],
  });

  // Another merchant, same day: never counted.
  const other = await makeMerchant(db);
  const otherStore = await makeLocation(db, other.id);
  await makeTransaction(db, otherStore, { transactedAt: at("2026-10-05T18:00:00Z") });

  const { key } = await makeKey(db, merchant.id, { scopes: ["reports:read"] });
  const { key: denverKey } = await makeKey(db, merchant.id, { scopes: ["reports:read"], locationIds: [denver.id] });
  const { key: noReportsKey } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
  return { merchant, denver, brooklyn, otherStore, ana, ben, key, denverKey, noReportsKey };
}
