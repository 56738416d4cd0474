// The read side of transactions: the query of the list, and the record every read answers with
// (list, by id, and the write side's answer after a PUT). The JSON itself is built by PostgreSQL
// (see record-sql.ts); these schemas describe it for the OpenAPI document and the tests.
import { z } from "zod";
import { pagingParams } from "../lib/paging.js";
import { prose } from "../lib/prose.js";
import { businessTimeParams, changeTimeParams, timeRangeRules } from "../lib/time-range.js";
import { posIdSchema } from "./write-schemas.js";

/** An exact decimal as text: money never goes through a float. */
export const decimalText = (what: string) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .describe(`${what}, as an exact decimal string, e.g. "12.50".`);

const utcInstant = (what: string) => z.iso.datetime().describe(`${what}: RFC 3339, UTC, microseconds.`);

/** margin and margin_percent of a line or a receipt: one rule (record-sql.ts), over its net sales and cost. */
const marginFigures = (net: string, cost: string, whenNull: string) => ({
  margin: decimalText(`${net} − ${cost}, tax excluded${whenNull}`).nullable(),
  margin_percent: decimalText(
    `margin ÷ ${net} × 100, 2 decimals; null when that is 0 or the cost is unknown`,
  ).nullable(),
});

export const formatParam = z
  .enum(["standard", "aiq"])
  .default("standard")
  .describe(prose`
    \`standard\`: our record (below). \`aiq\`: each record as the \`visit\` of AIQ's createUpdateSale push, plus cost,
    margin and stock (field by field in the README), so AIQ's ingestion needs no mapping: unknown fields left out (never
    null), a voided or deleted receipt as its pos_id with every amount and quantity at 0 (AIQ upserts visits by pos_id,
    so it then counts for nothing).
  `);

export const transactionListQuery = z
  .strictObject({
    ...changeTimeParams,
    ...businessTimeParams,
    location_id: z
      .guid()
      .optional()
      .describe("Only this location (our id). Outside the key's locations: an empty list."),
    customer_id: z.guid().optional().describe("Only this customer's transactions (our id)."),
    status: z.enum(["completed", "voided"]).optional().describe("Only transactions with this status."),
    pos_id: posIdSchema.optional().describe(prose`
        Only the receipt with this POS receipt id (AIQ \`pos_id\`, unique per merchant): how AIQ finds a sale it knows.
        At most one record.
      `),
    format: formatParam,
    ...pagingParams,
  })
  .superRefine(...timeRangeRules)
  .describe(prose`
    Without a time axis, or with updated_from/updated_to, the list is the change feed: ordered by (updated_at, id),
    lossless (see complete_through). With transacted_from/transacted_to it is ordered by (transacted_at, id).
  `);
export type TransactionListQuery = z.output<typeof transactionListQuery>;

export const transactionGetQuery = z.strictObject({ format: formatParam });

export const transactionIdParams = z.strictObject({ id: z.guid().describe("Our id of the transaction.") });

const lineItemSchema = z.object({
  line_number: z.number().int().describe("Position on the receipt, from 1."),
  sku: z.string().describe("The product's SKU as sold (AIQ `sku`)."),
  product_id: z.guid().nullable().describe("Our product id; null when no product with this SKU is known."),
  pos_product_id: z.string().nullable().describe("The POS's product id (AIQ `productid`)."),
  name: z.string().describe("Product name as sold."),
  brand: z.string().nullable().describe("Brand."),
  category: z.string().nullable().describe("Category, e.g. Pre-Rolls."),
  parent_category: z.string().nullable().describe("Parent category, e.g. Flower."),
  size: z.string().nullable().describe("Size, e.g. 3.5g."),
  strain: z.string().nullable().describe("Strain."),
  grade: z.string().nullable().describe("Grade."),
  species: z.string().nullable().describe("Species: indica, sativa, hybrid…"),
  unit_price: decimalText("Price of one unit before discount and tax"),
  quantity: decimalText("Quantity sold; negative in a refund"),
  discount: decimalText("Discount on the line (negative in a refund)"),
  tax: decimalText("Tax on the line"),
  line_total: decimalText("unit_price × quantity − discount + tax"),
  unit_cost: decimalText("Cost of one unit at the time of sale").nullable(),
  line_cost: decimalText("unit_cost × quantity (4 decimals); null when the cost is unknown").nullable(),
  ...marginFigures("(unit_price × quantity − discount)", "line_cost", "; null when the cost is unknown"),
  stock_on_hand: decimalText(
    "Quantity on hand of this product at the transaction's location now (not at the time of sale); null when there " +
      "is no inventory row",
  ).nullable(),
});

const totalsSchema = z.object({
  subtotal: decimalText("Σ unit_price × quantity"),
  discount: decimalText("Σ line discounts"),
  tax: decimalText("Σ line taxes"),
  total: decimalText("subtotal − discount + tax"),
  cost: decimalText("Σ line cost; null when any line's cost is unknown").nullable(),
  ...marginFigures("(subtotal − discount)", "cost", ""),
});

export const transactionRecordSchema = z
  .object({
    id: z.guid().describe("Our id."),
    pos_id: z.string().describe("The POS receipt id (AIQ `pos_id`)."),
    location: z
      .object({
        id: z.guid().describe("Our id of the location."),
        pos_id: z.string().describe("The POS's id of the store."),
        name: z.string().describe("Store name (AIQ `location`)."),
        time_zone: z.string().describe("IANA time zone of the store."),
      })
      .describe("Where the sale happened."),
    business_date: z.iso.date().describe("The local date of the sale in the store's time zone (YYYY-MM-DD)."),
    transacted_at: utcInstant("When the sale happened"),
    channel: z.enum(["in_store", "online"]).describe("In-store or online (AIQ `pos_type`)."),
    kind: z.enum(["sale", "refund"]).describe("A refund has negative quantities and names its sale."),
    status: z.enum(["completed", "voided"]).describe("Voided sales stay in the feed with their void time."),
    voided_at: utcInstant("When it was voided").nullable(),
    original_transaction: z
      .object({ id: z.guid().describe("Our id of the sale."), pos_id: z.string().describe("Its POS receipt id.") })
      .nullable()
      .describe("For a refund, the sale it refunds; null otherwise."),
    customer: z
      .object({
        id: z.guid().describe("Our id of the customer."),
        pos_user: z.string().describe("The POS's id of the person (AIQ `pos_user`)."),
        first_name: z.string().nullable().describe("First name."),
        last_name: z.string().nullable().describe("Last name."),
        phone: z.string().nullable().describe("Phone, E.164."),
        email: z.string().nullable().describe("Email, lower-cased."),
      })
      .nullable()
      .describe("The customer; null for an anonymous sale."),
    employee: z
      .object({
        id: z.guid().describe("Our id of the employee."),
        pos_id: z.string().describe("The POS's id of the employee."),
        name: z.string().describe("First and last name."),
      })
      .nullable()
      .describe("The budtender who made the sale, when known."),
    totals: totalsSchema.describe("Receipt totals; margin excludes tax."),
    line_items: z.array(lineItemSchema).describe("The lines, in receipt order."),
    deleted_at: utcInstant("When it was deleted (a tombstone: still served)").nullable(),
    created_at: utcInstant("When this service first stored it"),
    updated_at: utcInstant("Change time: moves forward on every change; what the feed is ordered by"),
  })
  .describe("A transaction (receipt) with everything AIQ maps, in one record.");
export type TransactionRecord = z.infer<typeof transactionRecordSchema>;
