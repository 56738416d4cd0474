// `format=aiq`: each transaction rendered as the `visit` of AIQ's own push endpoint
// (POST /api/v1.1/createUpdateSale/:uid, body { "visit": … }), so AIQ's ingestion can take a pulled
// record as if it had been pushed. AIQ's push fields keep AIQ's names and types (money and
// quantities are JSON numbers there); what Option 1 adds (cost, margin, stock, and what AIQ needs
// to handle voids, refunds and merges) follows under names of the same style.
//
// Numbers are written by PostgreSQL from NUMERIC columns, so each JSON number is the exact
// decimal literal stored (40.00, -2.000): no float is ever involved on our side. A field we do not
// know is left out, never sent as null (the record is rendered through json_strip_nulls): AIQ reads
// a present null as "blank this field". A voided or deleted receipt keeps its pos_id with every
// amount and quantity at 0 (see CANCELLED).
//
// Mapping, field by field (AIQ visit ← our record):
//   pos_id                      ← pos_id (POS receipt id)
//   pos_user                    ← customer.pos_user (left out for an anonymous sale)
//   pos_type                    ← channel: "in-store" | "online"
//   sendNotification            ← always 0 (a pulled record must never trigger an SMS)
//   transaction_date            ← transacted_at, as "YYYY-MM-DD HH:MM:SS +0000" (UTC)
//   transaction_total           ← totals.total
//   location                    ← location.name
//   visit_details_attributes[]  ← line_items[]:
//     line_number, sku, name, brand, category, size, strain, grade, species ← same-named line fields
//     price ← unit_price; quantity ← quantity (negative in a refund); discount ← discount
//     productId ← pos_product_id; parentCategory ← parent_category (the names of AIQ's inventory items)
//     tax, line_total, unit_cost, line_cost, margin, margin_percent, stock_on_hand ← same (Option 1)
//   Added (Option 1 and bookkeeping):
//   transaction_subtotal, transaction_discount, transaction_tax, transaction_cost,
//   transaction_margin, transaction_margin_percent ← totals.*
//   email, phone                ← customer.email, customer.phone (AIQ merges people on them); phone as
//                                 the member's phone_number: 10 national digits for +1, E.164 otherwise;
//                                 left out once the customer is deleted (as their member is)
//   employee_pos_id, employee_name ← employee.pos_id, employee.name (AIQ tier 3: the budtender)
//   location_pos_id             ← location.pos_id; business_date ← business_date
//   type                        ← kind: "sale" | "refund"; refund_of_pos_id ← original_transaction.pos_id
//   status, voided_at           ← status, voided_at (AIQ date format); deleted ← deleted_at is set
//   id, updated_at              ← our id and change time (RFC 3339, for deduplication)
import { z } from "zod";
import { aiqPhoneSql } from "../customers/aiq-format.js";
import { utcText } from "../lib/sync-feed.js";
import { c, e, inv, l, li, linesArray, o, TOTALS_MARGIN, TOTALS_MARGIN_PERCENT, t } from "./record-sql.js";

/** AIQ's own date format: "2014-04-20 04:03:53 +0000". */
const aiqDate = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "+0000"')`;

/**
 * A receipt AIQ must not count: voided, or deleted (a tombstone). AIQ upserts a visit by `pos_id`
 * and the guide has no void or delete, so such a receipt is served as the same visit with every
 * amount and quantity at 0: pulled before its void, the zero visit replaces the sale in AIQ's books;
 * pulled after, it adds nothing. Unit figures (price, unit cost, stock) stay as they were.
 */
const CANCELLED = `(${t.status} = 'voided' OR ${t.deleted_at} IS NOT NULL)`;
const live = (expr: string) => `CASE WHEN ${CANCELLED} THEN 0 ELSE ${expr} END`;
const liveOrOmitted = (expr: string) => `CASE WHEN ${CANCELLED} THEN NULL ELSE ${expr} END`;

const AIQ_LINE = `
  ${li.line_number},
  ${li.sku},
  ${li.unit_price} AS price,
  ${live(li.quantity)} AS quantity,
  ${li.category},
  ${li.brand},
  ${li.name},
  ${live(li.discount)} AS discount,
  ${li.size},
  ${li.strain},
  ${li.grade},
  ${li.species},
  ${li.pos_product_id} AS "productId",
  ${li.parent_category} AS "parentCategory",
  ${live(li.tax)} AS tax,
  ${live(li.line_total)} AS line_total,
  ${li.unit_cost},
  ${live("m.line_cost")} AS line_cost,
  ${live("m.margin")} AS margin,
  ${liveOrOmitted("m.margin_percent")} AS margin_percent,
  ${inv.quantity} AS stock_on_hand`;

/** The visit as the columns of one row, in key order; rendered with row_to_json (see list-query.ts). */
export const AIQ_COLUMNS = `
  ${t.pos_id},
  ${c.pos_user},
  CASE ${t.channel} WHEN 'online' THEN 'online' ELSE 'in-store' END AS pos_type,
  0 AS "sendNotification",
  ${aiqDate(t.transacted_at)} AS transaction_date,
  ${live(t.total)} AS transaction_total,
  ${l.name} AS location,
  ${linesArray(AIQ_LINE)} AS visit_details_attributes,
  ${live(t.subtotal)} AS transaction_subtotal,
  ${live(t.discount_total)} AS transaction_discount,
  ${live(t.tax_total)} AS transaction_tax,
  ${live(t.cost_total)} AS transaction_cost,
  ${live(TOTALS_MARGIN)} AS transaction_margin,
  ${liveOrOmitted(TOTALS_MARGIN_PERCENT)} AS transaction_margin_percent,
  CASE WHEN ${c.deleted_at} IS NULL THEN ${c.email} END AS email,
  CASE WHEN ${c.deleted_at} IS NULL THEN ${aiqPhoneSql(c.phone)} END AS phone,
  ${e.pos_id} AS employee_pos_id,
  CASE WHEN ${e.id} IS NULL THEN NULL ELSE concat_ws(' ', ${e.first_name}, ${e.last_name}) END AS employee_name,
  ${l.pos_id} AS location_pos_id,
  to_char(${t.business_date}, 'YYYY-MM-DD') AS business_date,
  ${t.kind} AS type,
  ${o.pos_id} AS refund_of_pos_id,
  ${t.status},
  ${aiqDate(t.voided_at)} AS voided_at,
  ${t.deleted_at} IS NOT NULL AS deleted,
  ${t.id},
  ${utcText(t.updated_at)} AS updated_at`;

const aiqDateText = (what: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000$/)
    .describe(`${what}, in AIQ's format "YYYY-MM-DD HH:MM:SS +0000" (UTC).`);
const num = (what: string) => z.number().describe(`${what} (a JSON number written from the exact stored decimal).`);

const aiqLineSchema = z.object({
  line_number: z.number().int().describe("Position on the receipt, from 1."),
  sku: z.string().describe("SKU."),
  price: num("Unit price before discount and tax"),
  quantity: num("Quantity; negative in a refund"),
  category: z.string().optional().describe("Category."),
  brand: z.string().optional().describe("Brand."),
  name: z.string().describe("Product name."),
  discount: num("Discount on the line"),
  size: z.string().optional().describe("Size."),
  strain: z.string().optional().describe("Strain."),
  grade: z.string().optional().describe("Grade."),
  species: z.string().optional().describe("Species."),
  productId: z.string().optional().describe("The POS's product id (as in AIQ inventory items, `productId`)."),
  parentCategory: z.string().optional().describe("Parent category (as in AIQ inventory items, `parentCategory`)."),
  tax: num("Tax on the line"),
  line_total: num("price × quantity − discount + tax"),
  unit_cost: num("Unit cost at the time of sale").optional(),
  line_cost: num("unit_cost × quantity").optional(),
  margin: num("(price × quantity − discount) − line_cost").optional(),
  margin_percent: num("margin ÷ (price × quantity − discount) × 100").optional(),
  stock_on_hand: num("Quantity on hand of this product at the store now").optional(),
});

export const aiqVisitSchema = z
  .object({
    pos_id: z.string().describe("POS receipt id."),
    pos_user: z.string().optional().describe("The customer's POS id; left out for an anonymous sale."),
    pos_type: z.enum(["in-store", "online"]).describe("Channel."),
    sendNotification: z.literal(0).describe("Always 0: a pulled record never triggers a notification."),
    transaction_date: aiqDateText("When the sale happened"),
    transaction_total: num("Receipt total"),
    location: z.string().describe("Store name."),
    visit_details_attributes: z.array(aiqLineSchema).describe("The lines; quantities negative in a refund."),
    transaction_subtotal: num("Σ price × quantity"),
    transaction_discount: num("Σ discounts"),
    transaction_tax: num("Σ taxes"),
    transaction_cost: num("Σ line cost").optional(),
    transaction_margin: num("(subtotal − discount) − cost").optional(),
    transaction_margin_percent: num("margin ÷ (subtotal − discount) × 100").optional(),
    email: z.string().optional().describe("The customer's email, lower-cased."),
    phone: z
      .string()
      .optional()
      .describe(
        "The customer's phone as AIQ's member phone_number: the 10 national digits of a +1 number, E.164 otherwise.",
      ),
    employee_pos_id: z.string().optional().describe("The budtender's POS id."),
    employee_name: z.string().optional().describe("The budtender's name."),
    location_pos_id: z.string().describe("The store's POS id."),
    business_date: z.iso.date().describe("Local date of the sale at the store."),
    type: z.enum(["sale", "refund"]).describe("Sale or refund."),
    refund_of_pos_id: z.string().optional().describe("For a refund, the receipt id of the sale; left out otherwise."),
    status: z
      .enum(["completed", "voided"])
      .describe("voided: every amount and quantity of the visit is 0, so it counts for nothing in AIQ."),
    voided_at: aiqDateText("When it was voided").optional(),
    deleted: z
      .boolean()
      .describe("True for a deleted receipt (a tombstone): every amount and quantity of the visit is 0."),
    id: z.guid().describe("Our id."),
    updated_at: z.iso.datetime().describe("Our change time (RFC 3339, UTC)."),
  })
  .describe("A transaction as the `visit` of AIQ's createUpdateSale, plus cost, margin and stock.");
export type AiqVisit = z.infer<typeof aiqVisitSchema>;
