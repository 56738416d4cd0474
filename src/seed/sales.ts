// The receipts of a merchant, generated in time order as COPY rows: sales spread over the days
// of the window (weekends, evenings and 4/20 busier, a slow upward trend), refunds of some of
// them days later, and a few voids. Money is integer cents throughout, so a receipt's totals are
// exactly the sums of its lines.
import { setImmediate as nextTick } from "node:timers/promises";
import {
  DAY_MS,
  HOUR_MS,
  holidayFactor,
  isoDate,
  MINUTE_MS,
  WEEKDAY_FACTOR,
  WEEKDAY_HOURS,
  WEEKEND_HOURS,
  weekdayOf,
  type ZoneClock,
} from "./calendar.js";
import type { CopyColumn } from "./copy.js";
import { NULL, RowBuffer } from "./copy.js";
import type { IdGenerator } from "./ids.js";
import { applyBasisPoints, centsToDecimal, tenThousandthsToDecimal } from "./money.js";
import { pickWeighted, type Random, WeightedPicker } from "./random.js";
import type { SeedCounts } from "./types.js";

export const TRANSACTION_COLUMNS = [
  "id",
  "merchant_id",
  "pos_id",
  "location_id",
  "customer_id",
  "employee_id",
  "channel",
  "kind",
  "status",
  "voided_at",
  "original_transaction_id",
  "transacted_at",
  "business_date",
  "subtotal",
  "discount_total",
  "tax_total",
  "total",
  "cost_total",
] as const satisfies CopyColumn<"transactions">[];

/**
 * What a line keeps of its product, named alike in both tables: the receipt shows what was sold even
 * after the product is renamed or gone.
 */
export const PRODUCT_SNAPSHOT_COLUMNS = [
  "sku",
  "pos_product_id",
  "name",
  "brand",
  "category",
  "parent_category",
] as const satisfies readonly (CopyColumn<"products"> & CopyColumn<"line_items">)[];

export const LINE_ITEM_COLUMNS = [
  "id",
  "merchant_id",
  "transaction_id",
  "line_number",
  "product_id",
  ...PRODUCT_SNAPSHOT_COLUMNS,
  "size",
  "strain",
  "grade",
  "species",
  "unit_price",
  "quantity",
  "discount",
  "tax",
  "line_total",
  "unit_cost",
] as const satisfies CopyColumn<"line_items">[];

/** Share of receipts that are refunds, of sales that are voided, of in-store sales with no customer. */
export const REFUND_SHARE = 0.02;
const VOID_RATE = 0.01;
const ONLINE_RATE = 0.09;
/** 12% of all receipts anonymous: online orders always name their customer, so in-store carries it. */
const ANONYMOUS_IN_STORE = 0.12 / (1 - ONLINE_RATE);
/** Days from a sale to its refund; -1 stands for 4-14 days. */
const REFUND_DELAY_DAYS: ReadonlyArray<readonly [number, number]> = [
  [0, 55],
  [1, 12],
  [2, 10],
  [3, 8],
  [-1, 15],
];
/** Lines per receipt, 1-8, mean ~3.1. */
const LINE_COUNTS = [
  [1, 18],
  [2, 25],
  [3, 22],
  [4, 15],
  [5, 9],
  [6, 6],
  [7, 3],
  [8, 2],
] as const;

/** What the stream needs to know of a store. */
export interface SalesStore {
  id: string;
  /** Goes into receipt ids: R-<code>-<n>. */
  code: string;
  clock: ZoneClock;
  openHour: number;
  closeHour: number;
  taxBasisPoints: number;
  /** Relative busyness. */
  traffic: number;
  employeeIds: readonly string[];
  /** Products sold here (indices into `products`), drawn by popularity. */
  saleable: Int32Array;
  picker: WeightedPicker;
  /** Shelf price here in cents, by product index (0: not carried). */
  priceCents: Int32Array;
  /** Customers whose home store this is (indices into the customer list), busiest first. */
  homeCustomers: Int32Array;
}

export interface SalesProduct {
  id: string;
  /** product_id .. species of a line, already escaped and tab-joined. */
  lineText: string;
  /** Unit cost, ten-thousandths of a dollar. */
  unitCost: number;
  /** Chance that a line buys more than one. */
  multiBuy: number;
}

export interface SalesCustomers {
  ids: readonly string[];
  loyal: Uint8Array;
  /** Customers who registered online, busiest first. */
  online: Int32Array;
  /** Every customer, busiest first. */
  all: Int32Array;
}

export interface SalesInput {
  merchantId: string;
  rng: Random;
  ids: IdGenerator;
  stores: readonly SalesStore[];
  products: readonly SalesProduct[];
  customers: SalesCustomers;
  windowStartMs: number;
  nowMs: number;
  /** Rows in transactions: sales plus refunds. */
  transactions: number;
}

export interface SalesBatch {
  transactions: Buffer[];
  lineItems: Buffer[];
  transactionCount: number;
}

export type SalesCounts = Pick<SeedCounts, "transactions" | "sales" | "refunds" | "voided" | "anonymous" | "lineItems">;

interface Line {
  product: number;
  quantity: number;
  unitPrice: number;
  discount: number;
  tax: number;
}

interface Sale {
  id: string;
  store: number;
  ms: number;
  day: number;
  customer: number;
  channel: "in_store" | "online";
  lines: Line[];
}

interface PendingRefund {
  ms: number;
  day: number;
  sale: Sale;
}

/** Draws a busy-first index: u^2.5 puts ~40% of visits on the busiest 10% (regulars). */
function skewedIndex(rng: Random, length: number): number {
  return Math.floor(length * rng.float() ** 2.5);
}

export class SalesStream {
  readonly counts: SalesCounts = { transactions: 0, sales: 0, refunds: 0, voided: 0, anonymous: 0, lineItems: 0 };
  private readonly input: SalesInput;
  private readonly rng: Random;
  private readonly receiptNumbers: number[];
  private readonly hourPickers: Array<[weekday: WeightedPicker, weekend: WeightedPicker]>;
  private readonly refunds: PendingRefund[] = [];
  private readonly dates = new Map<number, string>();
  /** Sales to make and how many of them get a refund (exact, by selection sampling). */
  private readonly salesTarget: number;
  private refundsLeft: number;
  private salesLeft: number;
  /** The last instant a receipt may have: a minute before "now". */
  private readonly endMs: number;
  private readonly tx = new RowBuffer();
  private readonly lines = new RowBuffer();

  constructor(input: SalesInput) {
    this.input = input;
    this.rng = input.rng;
    this.receiptNumbers = input.stores.map(() => 0);
    this.hourPickers = input.stores.map((s) => {
      const hours = (profile: readonly number[]) => profile.map((w, h) => (h >= s.openHour && h < s.closeHour ? w : 0));
      return [new WeightedPicker(hours(WEEKDAY_HOURS)), new WeightedPicker(hours(WEEKEND_HOURS))];
    });
    const refunds = Math.round((input.transactions * REFUND_SHARE) / (1 + REFUND_SHARE));
    this.salesTarget = input.transactions - refunds;
    this.refundsLeft = refunds;
    this.salesLeft = this.salesTarget;
    this.endMs = input.nowMs - MINUTE_MS;
  }

  /**
   * Batches of about `batchSize` receipts (with their lines), in time order. Yields to the event
   * loop now and then, so that a COPY of the previous batch streams while this one is made.
   */
  async *batches(batchSize: number): AsyncGenerator<SalesBatch> {
    const plan = this.planDays();
    let sinceYield = 0;
    for (const { day, perStore } of plan) {
      const sales = this.salesOfDay(day, perStore);
      for (const sale of sales) {
        this.emitRefundsUntil(sale.ms);
        this.emitSale(sale);
        if (++sinceYield >= 500) {
          sinceYield = 0;
          await nextTick();
        }
        if (this.tx.rows >= batchSize) yield this.takeBatch();
      }
    }
    this.emitRefundsUntil(Number.POSITIVE_INFINITY);
    if (this.tx.rows > 0) yield this.takeBatch();
  }

  private takeBatch(): SalesBatch {
    const transactionCount = this.tx.rows;
    return { transactionCount, transactions: this.tx.take(), lineItems: this.lines.take() };
  }

  /**
   * How many sales each store makes on each local day: a weight per (day, store), then the exact
   * total spread by largest remainder, so `transactions` is met to the row.
   */
  private planDays(): Array<{ day: number; perStore: number[] }> {
    const { stores, windowStartMs, rng } = this.input;
    const firstDay = Math.floor(windowStartMs / DAY_MS) - 1;
    const lastDay = Math.floor(this.endMs / DAY_MS) + 1;
    const cells: Array<{ day: number; store: number; weight: number; count: number; rest: number }> = [];
    let totalWeight = 0;
    for (let day = firstDay; day <= lastDay; day++) {
      const dayFactor = WEEKDAY_FACTOR[weekdayOf(day)]! * holidayFactor(day);
      stores.forEach((store, s) => {
        const open = store.clock.instant(day, store.openHour * HOUR_MS);
        const close = store.clock.instant(day, store.closeHour * HOUR_MS);
        const from = Math.max(open, windowStartMs);
        const to = Math.min(close, this.endMs);
        if (to <= from) return;
        // A slow upward trend (+18% a year), as a growing retailer sees.
        const trend = 1 + (0.18 * (from - windowStartMs)) / (365 * DAY_MS);
        const weight = store.traffic * dayFactor * trend * rng.between(0.85, 1.15) * ((to - from) / (close - open));
        cells.push({ day, store: s, weight, count: 0, rest: 0 });
        totalWeight += weight;
      });
    }
    let assigned = 0;
    for (const cell of cells) {
      const exact = (this.salesTarget * cell.weight) / totalWeight;
      cell.count = Math.floor(exact);
      cell.rest = exact - cell.count;
      assigned += cell.count;
    }
    const byRest = cells.map((_, i) => i).sort((a, b) => cells[b]!.rest - cells[a]!.rest || a - b);
    for (let i = 0; assigned < this.salesTarget && cells.length > 0; i++, assigned++)
      cells[byRest[i % cells.length]!]!.count++;

    const plan = new Map<number, number[]>();
    for (const cell of cells) {
      let perStore = plan.get(cell.day);
      if (!perStore) {
        perStore = stores.map(() => 0);
        plan.set(cell.day, perStore);
      }
      perStore[cell.store]! += cell.count;
    }
    return [...plan.entries()].sort((a, b) => a[0] - b[0]).map(([day, perStore]) => ({ day, perStore }));
  }

  /** Business-hour instant on a local day, busier hours drawn more often. */
  private timeOnDay(store: number, day: number): number {
    const pickers = this.hourPickers[store]!;
    const wd = weekdayOf(day);
    const picker = wd === 0 || wd === 6 ? pickers[1] : pickers[0];
    const hour = picker.pick(this.rng);
    return this.input.stores[store]!.clock.instant(day, hour * HOUR_MS + Math.floor(this.rng.float() * HOUR_MS));
  }

  private salesOfDay(day: number, perStore: readonly number[]): Sale[] {
    const sales: Sale[] = [];
    const { windowStartMs } = this.input;
    perStore.forEach((count, store) => {
      for (let i = 0; i < count; i++) {
        let ms = this.timeOnDay(store, day);
        // The window's first and last days are partial: draw again until inside.
        for (let tries = 0; (ms < windowStartMs || ms >= this.endMs) && tries < 100; tries++)
          ms = this.timeOnDay(store, day);
        if (ms < windowStartMs || ms >= this.endMs) ms = Math.min(this.endMs - 1, Math.max(windowStartMs, ms));
        sales.push(this.makeSale(store, day, ms));
      }
    });
    return sales.sort((a, b) => a.ms - b.ms);
  }

  private makeSale(store: number, day: number, ms: number): Sale {
    const { rng } = this;
    const s = this.input.stores[store]!;
    const { customers } = this.input;
    // Online orders need an account: a merchant without customers sells in store only.
    const channel = rng.chance(ONLINE_RATE) && customers.all.length > 0 ? "online" : "in_store";
    let customer = -1;
    if (customers.all.length > 0 && (channel === "online" || !rng.chance(ANONYMOUS_IN_STORE))) {
      // Most visits are to the customer's home store; online orders lean to online sign-ups.
      let list = customers.all;
      if (channel === "online" && customers.online.length > 0 && rng.chance(0.4)) list = customers.online;
      else if (s.homeCustomers.length > 0 && rng.chance(0.85)) list = s.homeCustomers;
      customer = list[skewedIndex(rng, list.length)]!;
    }

    const lineCount = pickWeighted(rng, LINE_COUNTS);
    const lines: Line[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < lineCount; i++) {
      let product = s.saleable[s.picker.pick(rng)]!;
      for (let tries = 0; seen.has(product) && tries < 4; tries++) product = s.saleable[s.picker.pick(rng)]!;
      if (seen.has(product)) continue;
      seen.add(product);
      let quantity = 1;
      if (rng.chance(this.input.products[product]!.multiBuy))
        quantity = pickWeighted(rng, [
          [2, 70],
          [3, 20],
          [4, 6],
          [5, 3],
          [6, 1],
        ] as const);
      lines.push({ product, quantity, unitPrice: s.priceCents[product]!, discount: 0, tax: 0 });
    }

    // Discounts: loyalty members' 10% off the receipt, a promo on one line, or $5 off the priciest.
    // None is 100%, so every line has a positive total (and every refund a negative one).
    if (customer >= 0 && customers.loyal[customer] === 1 && rng.chance(0.22)) {
      for (const l of lines) l.discount = applyBasisPoints(l.unitPrice * l.quantity, 1000);
    } else if (rng.chance(0.07)) {
      const l = lines[rng.int(0, lines.length - 1)]!;
      l.discount = applyBasisPoints(
        l.unitPrice * l.quantity,
        pickWeighted(rng, [
          [1500, 5],
          [2000, 3],
          [2500, 2],
        ] as const),
      );
    } else if (rng.chance(0.03)) {
      // "$5 off an item of $20 or more": a line is never free, so no receipt totals zero.
      let top = lines[0]!;
      for (const l of lines) if (l.unitPrice * l.quantity > top.unitPrice * top.quantity) top = l;
      if (top.unitPrice * top.quantity >= 2000) top.discount = 500;
    }
    for (const l of lines) l.tax = applyBasisPoints(l.unitPrice * l.quantity - l.discount, s.taxBasisPoints);
    return { id: this.input.ids.at(ms), store, ms, day, customer, channel, lines };
  }

  private businessDate(day: number): string {
    let date = this.dates.get(day);
    if (date === undefined) {
      date = isoDate(day);
      this.dates.set(day, date);
    }
    return date;
  }

  private employeeOf(store: SalesStore, channel: Sale["channel"]): string {
    // Budtenders ring up nearly every in-store sale; half of online orders are packed by one.
    if (store.employeeIds.length === 0 || !this.rng.chance(channel === "in_store" ? 0.97 : 0.5)) return NULL;
    return store.employeeIds[Math.floor(this.rng.float() * store.employeeIds.length)]!;
  }

  private receiptId(store: number): string {
    const n = ++this.receiptNumbers[store]!;
    return `R-${this.input.stores[store]!.code}-${String(n).padStart(7, "0")}`;
  }

  private emitSale(sale: Sale): void {
    const { rng } = this;
    const store = this.input.stores[sale.store]!;
    // Selection sampling (Knuth's algorithm S): exactly `refunds` of the sales are refunded.
    const refunded = this.refundsLeft > 0 && rng.float() * this.salesLeft < this.refundsLeft;
    this.salesLeft--;
    let status = "completed";
    let voidedAt = NULL;
    if (refunded) {
      this.refundsLeft--;
      this.scheduleRefund(sale);
    } else if (rng.chance(VOID_RATE)) {
      // Voided at the register within minutes (never in the future).
      status = "voided";
      voidedAt = new Date(
        sale.ms + Math.min(rng.between(30_000, 15 * MINUTE_MS), (this.input.nowMs - sale.ms) / 2),
      ).toISOString();
      this.counts.voided++;
    }
    this.counts.sales++;
    if (sale.customer < 0) this.counts.anonymous++;
    this.writeReceipt(
      sale.id,
      sale,
      store,
      "sale",
      status,
      voidedAt,
      NULL,
      sale.ms,
      sale.day,
      sale.lines,
      this.employeeOf(store, sale.channel),
    );
  }

  private writeReceipt(
    id: string,
    sale: Sale,
    store: SalesStore,
    kind: "sale" | "refund",
    status: string,
    voidedAt: string,
    originalId: string,
    ms: number,
    day: number,
    lines: readonly Line[],
    employee: string,
  ): void {
    const { merchantId, products, customers } = this.input;
    let subtotal = 0;
    let discountTotal = 0;
    let taxTotal = 0;
    let total = 0;
    let costTotal = 0;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      const product = products[l.product]!;
      const sub = l.unitPrice * l.quantity;
      const lineTotal = sub - l.discount + l.tax;
      subtotal += sub;
      discountTotal += l.discount;
      taxTotal += l.tax;
      total += lineTotal;
      costTotal += product.unitCost * l.quantity;
      this.lines.add(
        `${this.input.ids.at(ms)}\t${merchantId}\t${id}\t${i + 1}\t${product.lineText}` +
          `\t${centsToDecimal(l.unitPrice)}\t${l.quantity}\t${centsToDecimal(l.discount)}\t${centsToDecimal(l.tax)}` +
          `\t${centsToDecimal(lineTotal)}\t${tenThousandthsToDecimal(product.unitCost)}`,
      );
    }
    this.counts.lineItems += lines.length;
    this.counts.transactions++;
    const customerId = sale.customer >= 0 ? customers.ids[sale.customer]! : NULL;
    this.tx.add(
      `${id}\t${merchantId}\t${this.receiptId(sale.store)}\t${store.id}\t${customerId}\t${employee}\t${sale.channel}` +
        `\t${kind}\t${status}\t${voidedAt}\t${originalId}\t${new Date(ms).toISOString()}\t${this.businessDate(day)}` +
        `\t${centsToDecimal(subtotal)}\t${centsToDecimal(discountTotal)}\t${centsToDecimal(taxTotal)}` +
        `\t${centsToDecimal(total)}\t${tenThousandthsToDecimal(costTotal)}`,
    );
  }

  /** A refund at the same store, minutes to two weeks after the sale, before "now". */
  private scheduleRefund(sale: Sale): void {
    const { rng } = this;
    const store = this.input.stores[sale.store]!;
    let delayDays: number = pickWeighted(rng, REFUND_DELAY_DAYS);
    if (delayDays === -1) delayDays = rng.int(4, 14);
    let ms = 0;
    let day = sale.day;
    if (delayDays === 0) {
      ms = sale.ms + Math.floor(rng.between(10 * MINUTE_MS, 4 * HOUR_MS));
      if (ms >= store.clock.instant(sale.day, store.closeHour * HOUR_MS) - MINUTE_MS) delayDays = 1;
    }
    if (delayDays > 0) {
      day = sale.day + delayDays;
      ms = this.timeOnDay(sale.store, day);
    }
    if (ms >= this.endMs) {
      // Too close to "now" for the usual delay: later the same business day, before closing and now.
      const until = Math.min(this.endMs, store.clock.instant(sale.day, store.closeHour * HOUR_MS));
      ms = sale.ms + Math.max(1, Math.floor((until - sale.ms) * rng.between(0.2, 0.9)));
      day = sale.day;
    }
    pushHeap(this.refunds, { ms, day, sale });
  }

  private emitRefundsUntil(ms: number): void {
    while (this.refunds.length > 0 && this.refunds[0]!.ms <= ms) this.emitRefund(popHeap(this.refunds)!);
  }

  /** All lines (45%) or some lines and quantities, never more than sold; amounts negated. */
  private emitRefund({ ms, day, sale }: PendingRefund): void {
    const { rng } = this;
    const store = this.input.stores[sale.store]!;
    let chosen = sale.lines;
    if (!rng.chance(0.45)) {
      const keep = sale.lines.length === 1 ? 1 : rng.int(1, sale.lines.length - 1);
      chosen = rng.shuffle([...sale.lines]).slice(0, keep);
    }
    const lines: Line[] = chosen.map((l) => {
      const partial = l.quantity > 1 && rng.chance(0.5);
      if (!partial)
        return {
          product: l.product,
          quantity: -l.quantity,
          unitPrice: l.unitPrice,
          discount: -l.discount,
          tax: -l.tax,
        };
      const qty = rng.int(1, l.quantity - 1);
      const discount = Math.floor((l.discount * qty) / l.quantity);
      const tax = applyBasisPoints(l.unitPrice * qty - discount, store.taxBasisPoints);
      return { product: l.product, quantity: -qty, unitPrice: l.unitPrice, discount: -discount, tax: -tax };
    });
    this.counts.refunds++;
    this.writeReceipt(
      this.input.ids.at(ms),
      sale,
      store,
      "refund",
      "completed",
      NULL,
      sale.id,
      ms,
      day,
      lines,
      this.employeeOf(store, "in_store"),
    );
  }
}

// A binary min-heap on `ms`: pending refunds come out in time order among the sales.
function pushHeap(heap: PendingRefund[], item: PendingRefund): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]!.ms <= item.ms) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = item;
}

function popHeap(heap: PendingRefund[]): PendingRefund | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length === 0 || last === undefined) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let smallest = i;
    let smallestMs = last.ms;
    if (l < heap.length && heap[l]!.ms < smallestMs) {
      smallest = l;
      smallestMs = heap[l]!.ms;
    }
    if (r < heap.length && heap[r]!.ms < smallestMs) smallest = r;
    if (smallest === i) break;
    heap[i] = heap[smallest]!;
    i = smallest;
  }
  heap[i] = last;
  return top;
}
