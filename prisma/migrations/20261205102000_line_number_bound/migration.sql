-- A receipt's lines are read by a sub-select with LIMIT 512 (src/transactions/record-sql.ts: the power of two at or
-- above the API's 500 lines a receipt, which keeps the lines' plan an ordered probe of their key whatever the
-- statistics). The API numbers a receipt's lines 1..n with n <= 500; this makes the database hold to it too, so that
-- no receipt can ever have a line the LIMIT would leave out, whatever writes it (a script, a hand-made fix).
-- line_number is unique per receipt (line_items_transaction_id_line_number_key), so 1..500 bounds the lines to 500.
-- test/writes/line-bound.test.ts checks the bound against MAX_LINES and the LIMIT.
ALTER TABLE line_items ADD CONSTRAINT line_items_line_number_range CHECK (line_number BETWEEN 1 AND 500) NOT VALID;
ALTER TABLE line_items VALIDATE CONSTRAINT line_items_line_number_range;
