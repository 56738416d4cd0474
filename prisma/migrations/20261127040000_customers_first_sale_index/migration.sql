-- CreateIndex
CREATE INDEX "transactions_first_sale_idx" ON "transactions"("merchant_id", "customer_id", "business_date", "location_id") WHERE (kind = 'sale' AND status = 'completed' AND deleted_at IS NULL AND customer_id IS NOT NULL);

