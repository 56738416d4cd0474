// Factories: each test arranges its own rows, with defaults a test can override.
import { randomUUID } from "node:crypto";
import type { Db } from "../../src/db/client.js";
import type { Prisma } from "../../src/generated/prisma/client.js";
import { createKey } from "../../src/keys/manage.js";
import { SCOPES, type Scope } from "../../src/keys/scopes.js";

const unique = () => randomUUID().slice(0, 8);

export async function makeMerchant(db: Db, overrides: { slug?: string; name?: string } = {}) {
  const id = unique();
  return db.prisma.merchant.create({
    data: { slug: overrides.slug ?? `m-${id}`, name: overrides.name ?? `Merchant ${id}` },
  });
}

export async function makeLocation(
  db: Db,
  merchantId: string,
  overrides: { name?: string; timeZone?: string; posId?: string } = {},
) {
  const id = unique();
  return db.prisma.location.create({
    data: {
      merchantId,
      posId: overrides.posId ?? `loc-${id}`,
      name: overrides.name ?? `Store ${id}`,
      timeZone: overrides.timeZone ?? "America/Denver",
    },
  });
}

export async function makeKey(
  db: Db,
  merchantId: string,
  overrides: { scopes?: Scope[]; locationIds?: string[]; expiresAt?: Date | null; environment?: "live" | "test" } = {},
) {
  const { key, record } = await createKey(db, {
    merchantId,
    name: "test key",
    scopes: overrides.scopes ?? [...SCOPES],
    environment: overrides.environment ?? "test",
    locationIds: overrides.locationIds,
    expiresAt: overrides.expiresAt,
  });
  return { key, record };
}

// ---------------------------------------------------------------------------------------------
// Catalogue, people, stock and receipts. Overrides are Prisma's own unchecked create inputs, so a
// test can set any column; the defaults make a valid, realistic row.

type Overrides<T> = Partial<Omit<T, "merchantId">>;

export async function makeCustomer(
  db: Db,
  merchantId: string,
  overrides: Overrides<Prisma.CustomerUncheckedCreateInput> = {},
) {
  const id = unique();
  return db.prisma.customer.create({
    data: {
      posUser: `cust-${id}`,
      firstName: "Avery",
      lastName: `Doe-${id}`,
      email: `avery.${id}@example.com`,
      phone: "+13035550142",
      ...overrides,
      merchantId,
    },
  });
}

export async function makeEmployee(
  db: Db,
  merchantId: string,
  overrides: Overrides<Prisma.EmployeeUncheckedCreateInput> = {},
) {
  const id = unique();
  return db.prisma.employee.create({
    data: { posId: `emp-${id}`, firstName: "Sam", lastName: `Budtender-${id}`, ...overrides, merchantId },
  });
}

export async function makeProduct(
  db: Db,
  merchantId: string,
  overrides: Overrides<Prisma.ProductUncheckedCreateInput> = {},
) {
  const id = unique();
  return db.prisma.product.create({
    data: {
      sku: `SKU-${id}`,
      posProductId: `prod-${id}`,
      name: `Blue Dream 3.5g ${id}`,
      brand: "Good Farms",
      category: "Flower",
      parentCategory: "Cannabis",
      size: "3.5g",
      strain: "Blue Dream",
      grade: "A",
      species: "hybrid",
      ...overrides,
      merchantId,
    },
  });
}

/** Stock of one product at one location. */
export async function makeInventory(
  db: Db,
  at: { merchantId: string; locationId: string; productId: string },
  overrides: Omit<Overrides<Prisma.InventoryItemUncheckedCreateInput>, "locationId" | "productId"> = {},
) {
  return db.prisma.inventoryItem.create({
    data: {
      quantity: "25.000",
      unitCost: "12.5000",
      salePrice: "35.00",
      msrp: "40.00",
      totalTax: "5.25",
      ...overrides,
      ...at,
    },
  });
}

// Exact decimal arithmetic for factory totals (floats would drift): values scaled to 4 decimals.
const SCALE = 10_000n;
const toUnits = (text: string): bigint => {
  const negative = text.startsWith("-");
  const [whole, frac = ""] = text.replace(/^[-+]/, "").split(".");
  const units = BigInt(whole!) * SCALE + BigInt(`${frac}0000`.slice(0, 4));
  return negative ? -units : units;
};
const unitsText = (units: bigint, decimals: number): string => {
  const sign = units < 0n ? "-" : "";
  const abs = units < 0n ? -units : units;
  const frac = (abs % SCALE).toString().padStart(4, "0").slice(0, decimals);
  return `${sign}${abs / SCALE}${decimals ? `.${frac}` : ""}`;
};
/** a × b of two decimals, rounded half away from zero to `decimals` places (≤ 4). */
const times = (a: string, b: string, decimals: number): string => {
  const raw = toUnits(a) * toUnits(b); // scaled by SCALE²
  const step = SCALE * 10n ** BigInt(4 - decimals);
  const abs = raw < 0n ? -raw : raw;
  const rounded = ((abs + step / 2n) / step) * 10n ** BigInt(4 - decimals);
  return unitsText(raw < 0n ? -rounded : rounded, decimals);
};
const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);
const negate = (text: string) => unitsText(-toUnits(text), 4);

export interface LineInput {
  sku?: string;
  productId?: string | null;
  posProductId?: string | null;
  name?: string;
  brand?: string | null;
  category?: string | null;
  parentCategory?: string | null;
  size?: string | null;
  strain?: string | null;
  grade?: string | null;
  species?: string | null;
  unitPrice?: string;
  /** Positive; a refund negates it (and the line's discount and tax). */
  quantity?: string;
  discount?: string;
  tax?: string;
  /** null: cost unknown. */
  unitCost?: string | null;
}

type ProductLike = Pick<
  Prisma.ProductUncheckedCreateInput,
  "sku" | "posProductId" | "name" | "brand" | "category" | "parentCategory" | "size" | "strain" | "grade" | "species"
> & { id: string };

/** A line of a product: its sku, id and catalogue fields, as the POS would send them. */
export const lineFor = (product: ProductLike, line: LineInput = {}): LineInput => ({
  sku: product.sku,
  productId: product.id,
  posProductId: product.posProductId ?? null,
  name: product.name,
  brand: product.brand ?? null,
  category: product.category ?? null,
  parentCategory: product.parentCategory ?? null,
  size: product.size ?? null,
  strain: product.strain ?? null,
  grade: product.grade ?? null,
  species: product.species ?? null,
  ...line,
});

export interface TransactionOptions {
  posId?: string;
  /** Absent or null: an anonymous sale. */
  customerId?: string | null;
  employeeId?: string | null;
  channel?: "in_store" | "online";
  transactedAt?: Date;
  /** Makes a refund of this sale: kind refund, linked to it, quantities (and discount, tax) negated. */
  refundOf?: { id: string };
  /** Makes a voided transaction, voided at this time. */
  voidedAt?: Date;
  deletedAt?: Date | null;
  /** Default: one line of an unknown product (2 × 35.00, 5.00 off, 4.88 tax, unit cost 12.5000). */
  lines?: LineInput[];
}

/**
 * A receipt with its lines; totals are consistent with the lines: subtotal = Σ unit_price × qty,
 * discount = Σ discount, tax = Σ tax, total = subtotal − discount + tax, cost = Σ unit_cost × qty
 * (null when any line's cost is unknown), line_total = unit_price × qty − discount + tax.
 */
export async function makeTransaction(
  db: Db,
  location: { id: string; merchantId: string; timeZone: string },
  options: TransactionOptions = {},
) {
  const id = unique();
  const transactedAt = options.transactedAt ?? new Date();
  const signed = (text: string) => (options.refundOf ? negate(text) : text);
  const lines = (options.lines ?? [{ quantity: "2", discount: "5.00", tax: "4.88" }]).map((line, index) => {
    const unitPrice = line.unitPrice ?? "35.00";
    const quantity = signed(line.quantity ?? "1");
    const discount = signed(line.discount ?? "0");
    const tax = signed(line.tax ?? "0");
    const unitCost = line.unitCost === undefined ? "12.5000" : line.unitCost;
    const gross = times(unitPrice, quantity, 2);
    return {
      lineNumber: index + 1,
      productId: line.productId ?? null,
      sku: line.sku ?? `SKU-${id}-${index + 1}`,
      posProductId: line.posProductId ?? null,
      name: line.name ?? `Item ${index + 1}`,
      brand: line.brand ?? null,
      category: line.category ?? null,
      parentCategory: line.parentCategory ?? null,
      size: line.size ?? null,
      strain: line.strain ?? null,
      grade: line.grade ?? null,
      species: line.species ?? null,
      unitPrice,
      quantity,
      discount,
      tax,
      lineTotal: unitsText(toUnits(gross) - toUnits(discount) + toUnits(tax), 2),
      unitCost,
      gross,
      lineCost: unitCost === null ? null : times(unitCost, quantity, 4),
    };
  });
  const subtotal = sum(lines.map((l) => toUnits(l.gross)));
  const discountTotal = sum(lines.map((l) => toUnits(l.discount)));
  const taxTotal = sum(lines.map((l) => toUnits(l.tax)));
  const costTotal = lines.every((l) => l.lineCost !== null)
    ? unitsText(sum(lines.map((l) => toUnits(l.lineCost!))), 4)
    : null;
  const businessDate = new Intl.DateTimeFormat("en-CA", {
    timeZone: location.timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(transactedAt);

  return db.prisma.transaction.create({
    data: {
      merchantId: location.merchantId,
      locationId: location.id,
      posId: options.posId ?? `rcpt-${id}`,
      customerId: options.customerId ?? null,
      employeeId: options.employeeId ?? null,
      channel: options.channel ?? "in_store",
      kind: options.refundOf ? "refund" : "sale",
      originalTransactionId: options.refundOf?.id ?? null,
      status: options.voidedAt ? "voided" : "completed",
      voidedAt: options.voidedAt ?? null,
      transactedAt,
      businessDate: new Date(`${businessDate}T00:00:00Z`),
      subtotal: unitsText(subtotal, 2),
      discountTotal: unitsText(discountTotal, 2),
      taxTotal: unitsText(taxTotal, 2),
      total: unitsText(subtotal - discountTotal + taxTotal, 2),
      costTotal,
      deletedAt: options.deletedAt ?? null,
      lineItems: {
        create: lines.map(({ gross: _gross, lineCost: _lineCost, ...line }) => ({
          ...line,
          merchantId: location.merchantId,
        })),
      },
    },
    include: { lineItems: { orderBy: { lineNumber: "asc" } } },
  });
}
