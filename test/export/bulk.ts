// Many receipts at once, for the exports' large-range tests: two statements (generate_series),
// not one factory call per row. Each receipt has two lines with consistent totals:
// 2 × (35.00 × 1, 2.50 off, 2.44 tax, unit cost 12.5000), and its own customer-free sale time.
import type pg from "pg";

export async function seedReceipts(
  pool: pg.Pool | pg.ClientBase,
  location: { id: string; merchantId: string },
  count: number,
  /** `nameLength`: each line's name padded to that many characters (records of a known, large size). */
  options: { start?: Date; prefix?: string; nameLength?: number } = {},
): Promise<void> {
  const start = options.start ?? new Date("2025-11-01T00:00:00Z");
  const prefix = options.prefix ?? `bulk-${Math.random().toString(36).slice(2, 8)}`;
  await pool.query(
    `WITH made AS (
       INSERT INTO transactions (id, merchant_id, pos_id, location_id, transacted_at, business_date, subtotal,
         discount_total, tax_total, total, cost_total)
       SELECT gen_random_uuid(), $1::uuid, $3 || '-' || g, $2::uuid, $4::timestamptz + g * interval '7 seconds',
              ($4::timestamptz + g * interval '7 seconds')::date, 70.00, 5.00, 4.88, 69.88, 25.0000
         FROM generate_series(1, $5::int) g
       RETURNING id, merchant_id
     )
     INSERT INTO line_items (id, merchant_id, transaction_id, line_number, sku, name, brand, category, unit_price,
       quantity, discount, tax, line_total, unit_cost)
     SELECT gen_random_uuid(), made.merchant_id, made.id, n, 'SKU-' || n,
       rpad('Blue Dream 3.5g #' || n, greatest($6::int, 18), ' x'), 'Good Farms',
       'Flower', 35.00, 1, 2.50, 2.44, 34.94, 12.5000
       FROM made CROSS JOIN generate_series(1, 2) n`,
    [location.merchantId, location.id, prefix, start.toISOString(), count, options.nameLength ?? 0],
  );
}
