// The NDJSON export of transactions (our own shape) from each receipt's kept lines (transactions.json_lines,
// migration 20261205110000_transaction_json_lines). PostgreSQL sends each record with markers where a line's product
// and stock on hand go; this fills them in from two maps loaded once, at the export's start: the merchant's products
// by SKU and the stock of the key's stores. Reading one kept text costs PostgreSQL ~2.5× less than rendering the lines
// with a probe of their product and stock each (big bench shape). The markers (all other bytes are JSON text, which
// never holds a raw control character):
//   0x01 'u' <product id, 36 bytes>          the line's linked product;
//   0x01 's' <SKU's length in bytes> ':' <SKU> a line never linked: the merchant's product of that SKU, if any;
//   0x02                                      the stock on hand of that product at the receipt's store, or null.
// A batch is gathered whole before it is read (stream.ts), so a marker split across the COPY's chunks is whole here.
import { sql } from "kysely";
import type pg from "pg";
import { run, tenantStatement } from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";
import { inv } from "../transactions/record-sql.js";
import type { BatchBuffers } from "./encode.js";

const PRODUCT = 0x01;
const STOCK = 0x02;
const LINKED = 0x75; // 'u'
const BY_SKU = 0x73; // 's'
const COLON = 0x3a;
const QUOTE = 0x22;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const UUID_LENGTH = 36;

/** What the markers are filled from: JSON values, ready to write. */
export interface KeptLineMaps {
  /** The merchant's product id (quoted) by SKU. */
  productBySku: Map<string, string>;
  /** The stock on hand (quoted decimal text, as PostgreSQL writes it) by store, then product; deleted rows left out. */
  stock: Map<string, Map<string, string>>;
}

/**
 * The maps of the key's merchant and stores, or null when they would hold more than `most` rows together (the
 * export then renders the lines in SQL, as the pages do: EXPORT_KEPT_LINES_MAX_ROWS bounds the memory they take).
 */
export async function loadKeptLineMaps(pool: pg.Pool, tenant: Tenant, most: number): Promise<KeptLineMaps | null> {
  const products = await run(
    pool,
    tenantStatement(
      tenant,
      sql<{ sku: string; id: string }>`SELECT p.sku, p.id FROM products p
        WHERE ${tenant.where("p", { locations: false })} LIMIT ${most + 1}`,
    ),
  );
  if (products.length > most) return null;
  const stockRows = await run(
    pool,
    tenantStatement(
      tenant,
      sql<{ location_id: string; product_id: string; quantity: string }>`
        SELECT ${sql.ref(inv.location_id)}, ${sql.ref(inv.product_id)}, ${sql.ref(inv.quantity)}::text AS quantity
        FROM inventory_items inv WHERE ${tenant.where("inv")} AND ${sql.ref(inv.deleted_at)} IS NULL
        LIMIT ${most - products.length + 1}`,
    ),
  );
  if (products.length + stockRows.length > most) return null;
  const productBySku = new Map(products.map((product) => [product.sku, `"${product.id}"`]));
  const stock = new Map<string, Map<string, string>>();
  for (const row of stockRows) {
    let store = stock.get(row.location_id);
    if (!store) {
      store = new Map();
      stock.set(row.location_id, store);
    }
    store.set(row.product_id, `"${row.quantity}"`);
  }
  return { productBySku, stock };
}

/** Bytes written into a buffer of BatchBuffers, a larger one taken when it fills. */
export class GrowingOutput {
  at = 0;

  constructor(
    private readonly buffers: BatchBuffers,
    public backing: Buffer,
  ) {}

  /** Room for `size` more bytes. */
  room(size: number): Buffer {
    if (this.at + size > this.backing.length) {
      const larger = this.buffers.take(Math.max(this.at + size, this.backing.length * 2));
      this.backing.copy(larger, 0, 0, this.at);
      this.buffers.give(this.backing);
      this.backing = larger;
    }
    return this.backing;
  }

  copy(data: Buffer, start: number, end: number): void {
    this.at += data.copy(this.room(end - start), this.at, start, end);
  }

  ascii(text: string): void {
    this.at += this.room(text.length).write(text, this.at, "latin1");
  }

  byte(value: number): void {
    this.room(1)[this.at++] = value;
  }
}

const broken = (what: string) => new Error(`A kept lines text with ${what}`);

/**
 * Writes the record in data[start, end), of a receipt at store `location`, to `out` with its markers filled in.
 * Throws on a marker out of place (the kept text and this reader disagree: never served wrong).
 */
export function spliceRecord(
  maps: KeptLineMaps,
  data: Buffer,
  start: number,
  end: number,
  location: string,
  out: GrowingOutput,
): void {
  // A view of the record alone, so that no search runs on into the next records.
  const record = data.subarray(start, end);
  const size = record.length;
  const store = maps.stock.get(location);
  let from = 0;
  for (;;) {
    const mark = record.indexOf(PRODUCT, from);
    if (mark === -1) break;
    out.copy(record, from, mark);
    let product: string | undefined;
    let at = mark + 2;
    if (record[mark + 1] === LINKED && at + UUID_LENGTH <= size) {
      product = record.toString("latin1", at, at + UUID_LENGTH);
      out.byte(QUOTE);
      out.copy(record, at, at + UUID_LENGTH);
      out.byte(QUOTE);
      at += UUID_LENGTH;
    } else if (record[mark + 1] === BY_SKU) {
      let length = 0;
      while (at < size && record[at]! >= DIGIT_0 && record[at]! <= DIGIT_9)
        length = length * 10 + record[at++]! - DIGIT_0;
      if (record[at] !== COLON || at === mark + 2 || at + 1 + length > size) throw broken("a bad SKU marker");
      const quoted = maps.productBySku.get(record.toString("utf8", at + 1, at + 1 + length));
      at += 1 + length;
      out.ascii(quoted ?? "null");
      product = quoted?.slice(1, -1);
    } else throw broken("a bad product marker");
    const stockMark = record.indexOf(STOCK, at);
    if (stockMark === -1) throw broken("a product marker without its stock marker");
    out.copy(record, at, stockMark);
    out.ascii((product !== undefined && store?.get(product)) || "null");
    from = stockMark + 1;
  }
  if (record.indexOf(STOCK, from) !== -1) throw broken("a stock marker without its product marker");
  out.copy(record, from, size);
}
