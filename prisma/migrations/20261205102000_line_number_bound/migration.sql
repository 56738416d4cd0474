-- A receipt's lines are read by a sub-select with LIMIT 512 (src/transactions/record-sql.ts: the power of two at or
-- above the API's 500 lines a receipt, which keeps the lines' plan an ordered probe of their key whatever the
-- statistics). The API numbers a receipt's lines 1..n with n <= 500; this makes the database hold to it too, so that
-- no receipt can ever have a line the LIMIT would leave out, whatever writes it (a script, a hand-made fix).
-- line_number is unique per receipt (line_items_transaction_id_line_number_key), so 1..500 bounds the lines to 500.
-- A trigger, not a CHECK constraint: Prisma's schema engine (7.10, the drift test's diff) panics describing a CHECK.
-- test/writes/line-bound.test.ts checks the bound at MAX_LINES and MAX_LINES + 1.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM line_items WHERE line_number NOT BETWEEN 1 AND 500) THEN
    RAISE EXCEPTION 'line_items holds a line_number outside 1..500; renumber those receipts before this migration';
  END IF;
END
$$;

CREATE FUNCTION line_items_line_number_in_range() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.line_number NOT BETWEEN 1 AND 500 THEN
    RAISE EXCEPTION 'line_number % is outside 1..500, the most lines a receipt holds', NEW.line_number
      USING ERRCODE = 'check_violation', CONSTRAINT = 'line_items_line_number_range', TABLE = 'line_items';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER line_items_line_number_range BEFORE INSERT OR UPDATE OF line_number ON line_items
  FOR EACH ROW EXECUTE FUNCTION line_items_line_number_in_range();
