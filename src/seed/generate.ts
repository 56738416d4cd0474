// One merchant's data, generated and copied table by table in FK order: the merchant, its
// stores, budtenders, catalogue, per-store inventory, customers, then receipts with their lines.
// Each phase draws from its own seeded stream, so e.g. the catalogue does not change when only
// the number of customers does.
import type pg from "pg";
import { REPLACED_COLUMNS } from "../customers/write-queries.js";
import { execute, qb, tenantStatement } from "../db/sql.js";
import { Tenant } from "../db/tenant.js";
import { DAY_MS, HOUR_MS, ZoneClock } from "./calendar.js";
import { generateProducts, type ProductSeed } from "./catalog.js";
import { bool, type CopyColumn, copyInto, NULL, RowBuffer, text, timestamp } from "./copy.js";
import { IdGenerator } from "./ids.js";
import {
  applyBasisPoints,
  centsToDecimal,
  shelfPriceCents,
  tenThousandthsToDecimal,
  thousandthsToDecimal,
} from "./money.js";
import { generateCustomer, generateEmployee, latestAdultBirthday } from "./people.js";
import { CITIES, type City, STREET_NAMES } from "./places.js";
import { pickWeighted, Random, WeightedPicker } from "./random.js";
import {
  LINE_ITEM_COLUMNS,
  PRODUCT_SNAPSHOT_COLUMNS,
  type SalesProduct,
  type SalesStore,
  SalesStream,
  TRANSACTION_COLUMNS,
} from "./sales.js";
import type { SeedCounts } from "./types.js";

export interface MerchantPlan {
  /** Position of the merchant in this run: part of every stream's seed. */
  index: number;
  seed: number;
  slug: string;
  name: string;
  locations: number;
  employeesPerLocation: number;
  products: number;
  customers: number;
  transactions: number;
  windowStartMs: number;
  nowMs: number;
}

export type Advance = (phase: string, rows: number) => void;

/** One merchant's seeding in progress: its transaction's client, plan, id, id stream and progress. */
interface Seeding {
  client: pg.PoolClient;
  plan: MerchantPlan;
  merchantId: string;
  ids: IdGenerator;
  advance: Advance;
}

/** Receipts per COPY batch: big enough to amortise a statement, small enough to bound memory. */
const SALES_BATCH = 5000;

interface Store extends SalesStore {
  posId: string;
  name: string;
  city: City;
  priceIndex: number;
}

export async function seedMerchant(
  client: pg.PoolClient,
  plan: MerchantPlan,
  advance: Advance,
): Promise<{ id: string; counts: SeedCounts }> {
  const stream = (phase: string) => Random.derive(plan.seed, plan.index, phase);
  // Ids also depend on the slug: seeding the same seed again (as "demo-2") must not reuse ids.
  const ids = new IdGenerator(Random.derive(plan.seed, plan.slug, "ids"));
  const { windowStartMs, nowMs } = plan;

  const products = generateProducts(stream("products"), plan.products, plan.slug);
  if (plan.transactions > 0 && (plan.locations === 0 || !products.some((p) => !p.archived))) {
    throw new Error("transactions need at least one location and one product that is not archived");
  }

  const merchantId = ids.at(windowStartMs - 90 * DAY_MS);
  const tenant = new Tenant(merchantId);
  await execute(
    client,
    tenantStatement(
      tenant,
      qb.insertInto("merchants").values({ id: tenant.merchant, slug: plan.slug, name: plan.name }),
    ),
  );

  // What every table's seeding shares: where it writes, for which merchant, and its ids.
  const seeding: Seeding = { client, plan, merchantId, ids, advance };
  const stores = await seedStores(seeding, stream("locations"));
  const employees = await seedEmployees(seeding, stream("employees"), stores);
  const productIds = await seedProducts(seeding, products);
  const inventoryItems = await seedInventory(seeding, stream("inventory"), stores, products, productIds);
  const customers = await seedCustomers(seeding, stream("customers"), stores);
  const salesProducts: SalesProduct[] = products.map((p, i) => ({
    id: productIds[i]!,
    unitCost: p.unitCost,
    multiBuy: p.spec.multiBuy,
    lineText: [
      productIds[i]!,
      p.sku,
      p.posProductId,
      p.name,
      p.brand,
      p.category,
      p.parentCategory,
      p.size,
      p.strain,
      p.grade,
      p.species,
    ]
      .map(text)
      .join("\t"),
  }));
  const sales = new SalesStream({
    merchantId,
    rng: stream("sales"),
    ids,
    stores,
    products: salesProducts,
    customers,
    windowStartMs,
    nowMs,
    transactions: plan.transactions,
  });

  // Batch n+1 is generated while batch n is copied; lines follow their receipts (FK).
  let copying: Promise<void> = Promise.resolve();
  for await (const batch of sales.batches(SALES_BATCH)) {
    await copying;
    copying = (async () => {
      await copyInto(client, "transactions", TRANSACTION_COLUMNS, batch.transactions);
      await copyInto(client, "line_items", LINE_ITEM_COLUMNS, batch.lineItems);
      advance("transactions", batch.transactionCount);
    })();
    // Awaited on the next turn; this only keeps a failure from counting as unhandled meanwhile.
    copying.catch(() => {});
  }
  await copying;

  return {
    id: merchantId,
    counts: {
      merchants: 1,
      locations: stores.length,
      employees,
      products: products.length,
      inventoryItems,
      customers: customers.ids.length,
      ...sales.counts,
    },
  };
}

async function seedStores(seeding: Seeding, rng: Random): Promise<Store[]> {
  const { client, plan, merchantId, ids } = seeding;
  const stores: Store[] = [];
  const rows = new RowBuffer();
  const brand = plan.name.replace(/\s*\(.*\)\s*$/, "");
  // Each merchant starts elsewhere in the city list, so chains differ; consecutive stores of a
  // chain are in different time zones.
  const offset = (plan.index * 5) % CITIES.length;
  const usedNeighbourhoods = new Set<string>();
  for (let i = 0; i < plan.locations; i++) {
    const city = CITIES[(offset + i) % CITIES.length]!;
    let neighbourhood = rng.pick(city.neighbourhoods);
    for (let t = 0; usedNeighbourhoods.has(`${city.code}|${neighbourhood}`) && t < 10; t++)
      neighbourhood = rng.pick(city.neighbourhoods);
    usedNeighbourhoods.add(`${city.code}|${neighbourhood}`);
    const posId = `${city.code}${String(i + 1).padStart(2, "0")}`;
    const store: Store = {
      id: ids.at(plan.windowStartMs - 60 * DAY_MS + i * HOUR_MS),
      posId,
      code: posId,
      name: `${brand} – ${city.city} ${neighbourhood}`,
      city,
      clock: new ZoneClock(city.timeZone),
      openHour: pickWeighted(rng, [
        [8, 3],
        [9, 4],
        [10, 2],
      ] as const),
      closeHour: pickWeighted(rng, [
        [21, 4],
        [22, 5],
      ] as const),
      taxBasisPoints: city.taxBasisPoints,
      traffic: i === 0 ? 1.3 : rng.between(0.6, 1.3),
      priceIndex: rng.chance(0.65) ? 1 : rng.between(0.95, 1.08),
      employeeIds: [],
      saleable: new Int32Array(0),
      picker: new WeightedPicker([]),
      priceCents: new Int32Array(0),
      homeCustomers: new Int32Array(0),
    };
    stores.push(store);
    const address = `${rng.int(100, 9899)} ${rng.pick(STREET_NAMES)}`;
    rows.add(
      [
        store.id,
        merchantId,
        text(posId),
        text(store.name),
        city.timeZone,
        text(address),
        text(city.city),
        city.state,
        rng.pick(city.zips),
      ].join("\t"),
    );
  }
  await copyInto(
    client,
    "locations",
    ["id", "merchant_id", "pos_id", "name", "time_zone", "address1", "city", "state", "zip"],
    rows.take(),
  );
  return stores;
}

async function seedEmployees(seeding: Seeding, rng: Random, stores: Store[]): Promise<number> {
  const { client, plan, merchantId, ids } = seeding;
  const rows = new RowBuffer();
  let count = 0;
  for (const store of stores) {
    const staff: string[] = [];
    for (let n = 1; n <= plan.employeesPerLocation; n++) {
      const e = generateEmployee(
        rng,
        ids.at(plan.windowStartMs - rng.int(1, 60) * DAY_MS),
        `E-${store.posId}-${String(n).padStart(2, "0")}`,
      );
      staff.push(e.id);
      rows.add([e.id, merchantId, text(e.posId), text(e.firstName), text(e.lastName)].join("\t"));
      count++;
    }
    store.employeeIds = staff;
  }
  await copyInto(client, "employees", ["id", "merchant_id", "pos_id", "first_name", "last_name"], rows.take());
  return count;
}

const PRODUCT_COLUMNS = [
  "id",
  "merchant_id",
  ...PRODUCT_SNAPSHOT_COLUMNS,
  "variant",
  "size",
  "strain",
  "species",
  "grade",
  "barcode",
  "url",
  "image_url",
  "description",
  "supplier_name",
  "supplier_id",
  "currency",
  "thc_percent",
  "cbd_percent",
  "custom_attributes",
  "archived",
] as const satisfies CopyColumn<"products">[];

async function seedProducts(seeding: Seeding, products: readonly ProductSeed[]): Promise<string[]> {
  const { client, plan, merchantId, ids, advance } = seeding;
  const rows = new RowBuffer();
  const productIds: string[] = [];
  for (const p of products) {
    const id = ids.at(plan.windowStartMs - 30 * DAY_MS + p.index * 1000);
    productIds.push(id);
    rows.add(
      [
        id,
        merchantId,
        text(p.sku),
        text(p.posProductId),
        text(p.name),
        text(p.brand),
        text(p.category),
        text(p.parentCategory),
        text(p.variant),
        text(p.size),
        text(p.strain),
        text(p.species),
        text(p.grade),
        text(p.barcode),
        text(p.url),
        text(p.imageUrl),
        text(p.description),
        text(p.supplierName),
        text(p.supplierId),
        "USD",
        p.thcMilli === null ? NULL : thousandthsToDecimal(p.thcMilli),
        p.cbdMilli === null ? NULL : thousandthsToDecimal(p.cbdMilli),
        text(JSON.stringify(p.customAttributes)),
        bool(p.archived),
      ].join("\t"),
    );
  }
  await copyInto(client, "products", PRODUCT_COLUMNS, rows.take());
  advance("products", products.length);
  return productIds;
}

const INVENTORY_COLUMNS = [
  "id",
  "merchant_id",
  "location_id",
  "product_id",
  "quantity",
  "unit_cost",
  "sale_price",
  "msrp",
  "total_tax",
  "in_stock",
  "saleable",
  "archived",
] as const satisfies CopyColumn<"inventory_items">[];

/**
 * Each store carries most of the catalogue at its own price level. Unit cost is below the shelf
 * price and msrp at or above it; sold-out items have quantity 0 and are not in stock.
 */
async function seedInventory(
  seeding: Seeding,
  rng: Random,
  stores: Store[],
  products: readonly ProductSeed[],
  productIds: readonly string[],
): Promise<number> {
  const { client, plan, merchantId, ids, advance } = seeding;
  const rows = new RowBuffer();
  let count = 0;
  const lastSellable = products.findLastIndex((p) => !p.archived);
  for (const store of stores) {
    store.priceCents = new Int32Array(products.length);
    const saleable: number[] = [];
    const weights: number[] = [];
    for (const p of products) {
      // A store that reached the last sellable product with nothing to sell carries it anyway.
      const lastChance = saleable.length === 0 && p.index === lastSellable;
      if (!rng.chance(p.archived ? 0.5 : 0.88) && !lastChance) continue;
      const ending = p.basePriceCents % 100 === 99 ? "99" : p.basePriceCents % 100 === 50 ? "50" : "00";
      const price =
        store.priceIndex === 1
          ? p.basePriceCents
          : shelfPriceCents((p.basePriceCents / 100) * store.priceIndex, ending);
      // One supply chain: the same unit cost everywhere, but always below this store's price.
      const unitCost = p.unitCost < price * 100 ? p.unitCost : Math.floor(price * 60);
      const msrp = Math.ceil(
        price *
          pickWeighted(rng, [
            [1, 5],
            [1.1, 2],
            [1.15, 2],
            [1.2, 1],
          ] as const),
      );
      const maxQuantity = Math.min(300, Math.max(6, Math.round(3000 / (price / 100))));
      const quantity = p.archived || rng.chance(0.09) ? 0 : rng.int(1, maxQuantity);
      const isSaleable = !p.archived && rng.chance(0.98);
      store.priceCents[p.index] = price;
      if (!p.archived) {
        saleable.push(p.index);
        weights.push(p.popularity);
      }
      const id = ids.at(plan.windowStartMs - 29 * DAY_MS + count);
      rows.add(
        `${id}\t${merchantId}\t${store.id}\t${productIds[p.index]}\t${quantity}` +
          `\t${tenThousandthsToDecimal(unitCost)}\t${centsToDecimal(price)}\t${centsToDecimal(msrp)}` +
          `\t${centsToDecimal(applyBasisPoints(price, store.taxBasisPoints))}\t${bool(quantity > 0)}` +
          `\t${bool(isSaleable)}\t${bool(p.archived)}`,
      );
      count++;
    }
    store.saleable = Int32Array.from(saleable);
    store.picker = new WeightedPicker(weights);
  }
  await copyInto(client, "inventory_items", INVENTORY_COLUMNS, rows.take());
  advance("inventory", count);
  return count;
}

/** The columns a POS write replaces are the customer's own: the seeder writes them in the same order. */
const CUSTOMER_COLUMNS = [
  "id",
  "merchant_id",
  "pos_user",
  ...REPLACED_COLUMNS,
  "loyalty_opt_in",
  "loyalty_changed_at",
] as const satisfies CopyColumn<"customers">[];

/** Streams customers into COPY, keeping only what the receipts need (id, home store, loyalty). */
async function seedCustomers(seeding: Seeding, rng: Random, stores: Store[]) {
  const { client, plan, merchantId, ids, advance } = seeding;
  const n = plan.customers;
  const customerIds: string[] = new Array<string>(n);
  const loyal = new Uint8Array(n);
  const home: number[][] = stores.map(() => []);
  const online: number[] = [];
  const storePicker = stores.length > 0 ? new WeightedPicker(stores.map((s) => s.traffic)) : null;
  const cities = [...new Set(stores.map((s) => s.city))];
  const elsewhere = new Map(cities.map((c) => [c, cities.filter((x) => x !== c)]));
  const latestBirthdayDay = latestAdultBirthday(plan.windowStartMs);
  // Sign-ups spread from two years before the window to now; pos_user numbers follow sign-up order.
  const signupFrom = plan.windowStartMs - 730 * DAY_MS;
  const signupStep = (plan.nowMs - signupFrom) / Math.max(1, n);
  const fallbackCity = CITIES[0]!;

  async function* rows(): AsyncGenerator<Buffer> {
    const buffer = new RowBuffer();
    for (let i = 0; i < n; i++) {
      const store = storePicker ? storePicker.pick(rng) : -1;
      const city = store >= 0 ? stores[store]!.city : fallbackCity;
      const c = generateCustomer(
        rng,
        ids.at(Math.floor(signupFrom + i * signupStep)),
        `C${String(i + 1).padStart(7, "0")}`,
        {
          city,
          otherCities: elsewhere.get(city) ?? cities,
          nowMs: plan.nowMs,
          windowStartMs: plan.windowStartMs,
          latestBirthdayDay,
        },
      );
      customerIds[i] = c.id;
      loyal[i] = c.loyaltyOptIn ? 1 : 0;
      if (store >= 0) home[store]!.push(i);
      if (c.posType === "online") online.push(i);
      buffer.add(
        `${c.id}\t${merchantId}\t${c.posUser}\t${c.posType}\t${text(c.email)}\t${text(c.phone)}` +
          `\t${text(c.firstName)}\t${text(c.lastName)}\t${text(c.address1)}\t${text(c.address2)}\t${text(c.city)}` +
          `\t${text(c.state)}\t${text(c.zip)}\t${text(c.birthday)}\t${text(c.gender)}\t${bool(c.loyaltyOptIn)}` +
          `\t${timestamp(c.loyaltyChangedAt)}`,
      );
      if (buffer.rows >= 5000) {
        const count = buffer.rows;
        for (const chunk of buffer.take()) yield chunk;
        advance("customers", count);
      }
    }
    const count = buffer.rows;
    for (const chunk of buffer.take()) yield chunk;
    advance("customers", count);
  }
  await copyInto(client, "customers", CUSTOMER_COLUMNS, rows());

  // Who is a regular is independent of when they signed up: shuffle before "busiest first" lists.
  const shuffled = (list: number[]) => Int32Array.from(rng.shuffle(list));
  for (const [i, s] of stores.entries()) s.homeCustomers = shuffled(home[i]!);
  return {
    ids: customerIds,
    loyal,
    online: shuffled(online),
    all: shuffled(Array.from({ length: n }, (_, i) => i)),
  };
}
