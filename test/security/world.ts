// Two merchants with full data, for the isolation suite. Merchant A has two stores
// (main and other) and a key limited to main; merchant B has the same shapes of data with its own
// values, and uses the same POS ids as A for a store, a customer, a product, an employee and a
// receipt (POS ids are unique per merchant only), so a write naming such an id must touch A's
// record and never B's. Phones, emails, names and amounts differ between A and B, so a lookup or a
// report that leaked B's rows would show it.
import { randomUUID } from "node:crypto";
import type { Db } from "../../src/db/client.js";
import { normalizePhone } from "../../src/lib/contact.js";
import {
  lineFor,
  makeCustomer,
  makeEmployee,
  makeInventory,
  makeKey,
  makeLocation,
  makeMerchant,
  makeProduct,
  makeTransaction,
} from "../helpers/factories.js";

/** The business day the receipts fall on (Denver), and a report range around it. */
export const DAY = {
  sale: new Date("2026-03-02T18:00:00Z"),
  refund: new Date("2026-03-03T18:00:00Z"),
  from: "2026-03-01",
  to: "2026-03-08",
};

let phones = 0;
/** A valid US number of its own for every customer made here: 555-01xx in area code 303 for A, 720 for B. */
function phoneFor(area: "303" | "720") {
  const phone = `+1${area}5550${String(100 + (phones++ % 100)).slice(-3)}`;
  if (normalizePhone(phone) !== phone) throw new Error(`not a valid phone: ${phone}`);
  return phone;
}

async function makeTenant(db: Db, label: "a" | "b", shared: World["shared"]) {
  const tag = `${label}${randomUUID().slice(0, 6)}`;
  const price = label === "a" ? "35.00" : "52.00";
  const area = label === "a" ? "303" : "720";
  const merchant = await makeMerchant(db, { name: `Merchant ${tag}`, slug: `merchant-${tag}` });
  const main = await makeLocation(db, merchant.id, { posId: shared.store, name: `Main ${tag}` });
  const employee = await makeEmployee(db, merchant.id, { posId: shared.employee, firstName: `Budtender${tag}` });
  const sharedCustomer = await makeCustomer(db, merchant.id, {
    posUser: shared.customer,
    firstName: `Shared${tag}`,
    phone: phoneFor(area),
    email: `shared.${tag}@example.com`,
  });
  const ownCustomer = await makeCustomer(db, merchant.id, {
    posUser: `own-${tag}`,
    firstName: `Own${tag}`,
    phone: phoneFor(area),
    email: `own.${tag}@example.com`,
  });
  const sharedProduct = await makeProduct(db, merchant.id, { sku: shared.sku, name: `Shared product ${tag}` });
  const ownProduct = await makeProduct(db, merchant.id, {
    sku: `SKU-${tag}`,
    name: `Own product ${tag}`,
    category: `Category ${tag}`,
  });
  const at = { merchantId: merchant.id, locationId: main.id };
  const items = [
    await makeInventory(
      db,
      { ...at, productId: sharedProduct.id },
      { quantity: label === "a" ? "10.000" : "70.000", unitCost: "11.0000" },
    ),
    await makeInventory(
      db,
      { ...at, productId: ownProduct.id },
      { quantity: "3.000", unitCost: label === "a" ? "7.5000" : "9.2500" },
    ),
  ];
  const line = (product: typeof sharedProduct, quantity: string) =>
    lineFor(product, { unitPrice: price, quantity, discount: "1.00", tax: "2.00" });
  const sharedSale = await makeTransaction(db, main, {
    posId: shared.receipt,
    customerId: sharedCustomer.id,
    employeeId: employee.id,
    transactedAt: DAY.sale,
    lines: [line(sharedProduct, "2"), line(ownProduct, "1")],
  });
  const ownSale = await makeTransaction(db, main, {
    posId: `own-sale-${tag}`,
    customerId: ownCustomer.id,
    transactedAt: DAY.sale,
    lines: [line(ownProduct, "3")],
  });
  const refund = await makeTransaction(db, main, {
    posId: `own-refund-${tag}`,
    customerId: ownCustomer.id,
    refundOf: ownSale,
    transactedAt: DAY.refund,
    lines: [line(ownProduct, "1")],
  });
  const voided = await makeTransaction(db, main, {
    posId: `own-void-${tag}`,
    transactedAt: DAY.sale,
    voidedAt: DAY.refund,
    lines: [line(ownProduct, "1")],
  });
  const second = await makeLocation(db, merchant.id, { name: `Second ${tag}` });
  const { key, record } = await makeKey(db, merchant.id);
  return {
    tag,
    merchant,
    main,
    second,
    employee,
    sharedCustomer,
    ownCustomer,
    sharedProduct,
    ownProduct,
    items,
    sharedSale,
    ownSale,
    refund,
    voided,
    key,
    keyId: record.id,
  };
}

export type Tenant = Awaited<ReturnType<typeof makeTenant>>;

export interface World {
  /** POS ids both merchants use. */
  shared: { store: string; customer: string; sku: string; receipt: string; employee: string };
  a: Tenant & {
    /** A's second store's data: a customer who bought only there, a product stocked only there, its sales. */
    other: {
      store: Tenant["main"];
      customer: Tenant["ownCustomer"];
      product: Tenant["ownProduct"];
      items: Tenant["items"];
      sales: Tenant["ownSale"][];
    };
    /** A key of A limited to A's main store, and one limited to the other store. */
    mainKey: string;
    mainKeyId: string;
    otherKey: string;
  };
  b: Tenant;
}

export async function makeWorld(db: Db): Promise<World> {
  const id = randomUUID().slice(0, 8);
  const shared = {
    store: `store-${id}`,
    customer: `cust-${id}`,
    sku: `SKU-${id}`,
    receipt: `rcpt-${id}`,
    employee: `emp-${id}`,
  };
  const a = await makeTenant(db, "a", shared);
  const b = await makeTenant(db, "b", shared);

  const store = a.second;
  const customer = await makeCustomer(db, a.merchant.id, {
    posUser: `other-${a.tag}`,
    firstName: `Other${a.tag}`,
    phone: phoneFor("303"),
    email: `other.${a.tag}@example.com`,
  });
  const product = await makeProduct(db, a.merchant.id, { sku: `SKU-OTHER-${a.tag}`, name: `Other product ${a.tag}` });
  const at = { merchantId: a.merchant.id, locationId: store.id };
  const items = [
    await makeInventory(db, { ...at, productId: product.id }, { quantity: "40.000", unitCost: "3.0000" }),
    await makeInventory(db, { ...at, productId: a.sharedProduct.id }, { quantity: "12.000", unitCost: "11.0000" }),
  ];
  const sales = [
    await makeTransaction(db, store, {
      posId: `other-sale-${a.tag}`,
      customerId: customer.id,
      transactedAt: DAY.sale,
      lines: [lineFor(product, { unitPrice: "80.00", quantity: "1" })],
    }),
    await makeTransaction(db, store, {
      posId: `other-sale2-${a.tag}`,
      transactedAt: DAY.sale,
      lines: [lineFor(a.sharedProduct, { unitPrice: "90.00", quantity: "2" })],
    }),
  ];
  const { key: mainKey, record: mainRecord } = await makeKey(db, a.merchant.id, { locationIds: [a.main.id] });
  const { key: otherKey } = await makeKey(db, a.merchant.id, { locationIds: [store.id] });
  return {
    shared,
    a: { ...a, other: { store, customer, product, items, sales }, mainKey, mainKeyId: mainRecord.id, otherKey },
    b,
  };
}
