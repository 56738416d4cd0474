// The bodies of the receipt writes: PUT /v1/transactions/{pos_id}, POST …/{pos_id}/void and
// POST /v1/transactions/batch. Field names follow AIQ's createUpdateSale (sku, price → unit_price,
// quantity, discount, category, brand, name, size, strain, grade, species) in snake_case.
// Shapes and types are checked here (400); what needs the domain or the database (signs of a
// refund, totals, unknown location or customer, over-refunds) is a 422 from the write itself.
import { z } from "zod";
import { customerPutBody } from "../customers/write-schemas.js";
import { decimalInput } from "../lib/decimal.js";
import { bodyInstant, SALE_RANGE } from "../lib/instant.js";
import { prose } from "../lib/prose.js";
import { storeReference } from "../locations/schemas.js";

export const MAX_LINES = 500;
export const MAX_BATCH_RECEIPTS = 500;

const optionalText = (max: number, what: string) =>
  z.string().trim().max(max).nullable().optional().describe(`${what} Optional; null or omitted: unknown.`);
const requiredText = (max: number, what: string) => z.string().trim().min(1).max(max).describe(what);

export const posIdSchema = z.string().min(1).max(200).describe("The POS receipt id (AIQ pos_id), unique per merchant.");

export const receiptLineSchema = z
  .strictObject({
    sku: requiredText(
      100,
      "The product's SKU as sold (AIQ sku). A SKU this service has not seen yet is accepted: the line keeps the " +
        "fields below and links to the product when it arrives.",
    ),
    pos_product_id: optionalText(100, "The POS's product id (AIQ productid)."),
    name: requiredText(300, "Product name as sold."),
    brand: optionalText(200, "Brand."),
    category: optionalText(200, "Category, e.g. Pre-Rolls."),
    parent_category: optionalText(200, "Parent category, e.g. Flower."),
    size: optionalText(100, "Size, e.g. 3.5g."),
    strain: optionalText(200, "Strain."),
    grade: optionalText(100, "Grade."),
    species: optionalText(100, "Species: indica, sativa, hybrid…"),
    unit_price: decimalInput({
      scale: 2,
      integerDigits: 10,
      description: "Price of one unit before discount and tax (AIQ price); never negative, also in a refund.",
    }),
    quantity: decimalInput({
      scale: 3,
      integerDigits: 9,
      description: "Units sold (grams for bulk flower): positive in a sale, negative in a refund; never 0.",
    }),
    discount: decimalInput({
      scale: 2,
      integerDigits: 10,
      description: prose`
        Discount on the whole line (not per unit), with the quantity's sign: ≥ 0 in a sale, ≤ 0 in a refund. Default 0.
      `,
    }).optional(),
    tax: decimalInput({
      scale: 2,
      integerDigits: 10,
      description: "Tax on the whole line, with the quantity's sign. Default 0.",
    }).optional(),
    unit_cost: decimalInput({
      scale: 4,
      integerDigits: 8,
      description: prose`
        Cost of one unit at the time of sale. Omitted: the store's current unit cost of the SKU (for a refund, the cost
        on its sale), or unknown.
      `,
    })
      .nullable()
      .optional(),
  })
  .describe("One line of the receipt. line_total = round(unit_price × quantity, 2) − discount + tax.");

const totalsInput = (what: string) => decimalInput({ scale: 2, integerDigits: 10, description: what }).optional();

export const receiptTotalsSchema = z
  .strictObject({
    subtotal: totalsInput("Σ round(unit_price × quantity, 2) over the lines."),
    discount: totalsInput("Σ line discounts."),
    tax: totalsInput("Σ line taxes."),
    total: totalsInput("subtotal − discount + tax (AIQ transaction_total)."),
  })
  .describe(prose`
    Optional: the POS's own totals, checked against the service's. The service computes every total from the lines,
    exactly; a total sent here that differs by even a cent is a 422 naming it, so a stored total never disagrees with
    its lines.
  `);

const employeeSchema = z
  .strictObject({
    pos_id: requiredText(100, "The POS's id of the employee."),
    first_name: requiredText(100, "First name."),
    last_name: optionalText(100, "Last name."),
  })
  .describe("The budtender, created or updated by this write (AIQ tier 3 asks for the budtender on each sale).");

const embeddedCustomerSchema = customerPutBody
  .extend({ pos_user: requiredText(200, "The POS's primary key for the person (AIQ pos_user).") })
  .describe(prose`
    The customer, created or replaced by this write exactly as PUT /v1/customers/{pos_user} would (loyalty_opt_in only
    changes when sent).
  `);

const receiptShape = {
  ...storeReference,
  customer_pos_user: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(prose`
      The customer by the POS's id (AIQ pos_user); they must exist (PUT /v1/customers/{pos_user} first, or embed
      \`customer\`). Omit both for an anonymous sale.
    `),
  customer: embeddedCustomerSchema.optional(),
  employee_pos_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("The budtender by the POS's id; they must exist (or embed `employee`)."),
  employee: employeeSchema.optional(),
  channel: z
    .enum(["in_store", "online"])
    .default("in_store")
    .describe("In-store or online (AIQ pos_type). Default in_store."),
  transacted_at: bodyInstant(
    SALE_RANGE,
    "When the sale happened (AIQ transaction_date); stored to the microsecond, answered in UTC.",
  ),
  original_pos_id: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(prose`
      Makes this receipt a refund of that sale (its POS receipt id). A refund's quantities are negative; it may return
      part of the sale, never more than remains.
    `),
  lines: z.array(receiptLineSchema).min(1).max(MAX_LINES).describe(`The lines, 1 to ${MAX_LINES}, in receipt order.`),
  totals: receiptTotalsSchema.optional(),
};

type ReceiptShapeOut = {
  location_id?: string;
  location_pos_id?: string;
  customer_pos_user?: string;
  customer?: unknown;
  employee_pos_id?: string;
  employee?: unknown;
};

/** Exactly one way to name the store; at most one way to name the customer and the employee. */
function checkReferences(body: ReceiptShapeOut, ctx: z.RefinementCtx) {
  if ((body.location_id === undefined) === (body.location_pos_id === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["location_id"],
      message: "Send exactly one of location_id and location_pos_id.",
    });
  }
  if (body.customer_pos_user !== undefined && body.customer !== undefined) {
    ctx.addIssue({ code: "custom", path: ["customer"], message: "Send customer_pos_user or customer, not both." });
  }
  if (body.employee_pos_id !== undefined && body.employee !== undefined) {
    ctx.addIssue({ code: "custom", path: ["employee"], message: "Send employee_pos_id or employee, not both." });
  }
}

export const receiptBodySchema = z
  .strictObject(receiptShape)
  .superRefine(checkReferences)
  .describe(prose`
    A receipt as the POS has it now: it creates the receipt or replaces it (with all its lines). Unknown fields are a
    400.
  `);
export type ReceiptBody = z.output<typeof receiptBodySchema>;
export type ReceiptLine = ReceiptBody["lines"][number];

export const receiptParams = z.strictObject({ pos_id: posIdSchema });

export const voidBodySchema = z
  .strictObject({
    voided_at: bodyInstant(
      SALE_RANGE,
      "When the receipt was voided at the register. Default: now. Never before the sale.",
    ).optional(),
  })
  .describe("Optional body.");

export const batchReceiptSchema = z
  .strictObject({ pos_id: posIdSchema, ...receiptShape })
  .superRefine(checkReferences)
  .describe("A receipt with its pos_id, as PUT /v1/transactions/{pos_id} takes it.");

function receiptItemJsonSchema(): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(batchReceiptSchema, {
    io: "input",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return schema;
}

/**
 * The batch body. Each receipt is parsed on its own by the batch (one bad receipt must not reject
 * the others), so the router only checks the envelope; the API document still shows each item as
 * a receipt.
 */
export const batchBodySchema = z
  .strictObject({
    receipts: z
      .array(z.unknown())
      .min(1)
      .max(MAX_BATCH_RECEIPTS)
      .describe(prose`
        1 to ${MAX_BATCH_RECEIPTS} receipts, each like the body of PUT /v1/transactions/{pos_id} plus its pos_id,
        written in order.
      `)
      .meta({ override: { items: receiptItemJsonSchema() } }),
  })
  .describe(prose`
    A backfill: receipts written one by one, each all or nothing; a bad receipt is reported and the others are written.
  `);
