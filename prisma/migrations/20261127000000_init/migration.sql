-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('in_store', 'online');

-- CreateEnum
CREATE TYPE "TransactionStatus" AS ENUM ('completed', 'voided');

-- CreateEnum
CREATE TYPE "TransactionKind" AS ENUM ('sale', 'refund');

-- CreateTable
CREATE TABLE "merchants" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "merchants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "locations" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "pos_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "address1" TEXT,
    "city" TEXT,
    "state" TEXT,
    "zip" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "locations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "employees" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "pos_id" TEXT NOT NULL,
    "first_name" TEXT NOT NULL,
    "last_name" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "employees_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customers" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "pos_user" TEXT NOT NULL,
    "pos_type" "Channel" NOT NULL DEFAULT 'in_store',
    "email" TEXT,
    "phone" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "address1" TEXT,
    "address2" TEXT,
    "city" TEXT,
    "state" TEXT,
    "zip" TEXT,
    "birthday" DATE,
    "gender" TEXT,
    "loyalty_opt_in" BOOLEAN NOT NULL DEFAULT false,
    "loyalty_changed_at" TIMESTAMPTZ(6),
    "deleted_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "products" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "sku" TEXT NOT NULL,
    "pos_product_id" TEXT,
    "name" TEXT NOT NULL,
    "brand" TEXT,
    "category" TEXT,
    "parent_category" TEXT,
    "variant" TEXT,
    "size" TEXT,
    "strain" TEXT,
    "species" TEXT,
    "grade" TEXT,
    "barcode" TEXT,
    "url" TEXT,
    "image_url" TEXT,
    "description" TEXT,
    "supplier_name" TEXT,
    "supplier_id" TEXT,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "thc_percent" DECIMAL(6,3),
    "cbd_percent" DECIMAL(6,3),
    "custom_attributes" JSONB NOT NULL DEFAULT '[]',
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "deleted_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "products_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory_items" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "quantity" DECIMAL(12,3) NOT NULL DEFAULT 0,
    "unit_cost" DECIMAL(12,4),
    "sale_price" DECIMAL(12,2),
    "msrp" DECIMAL(12,2),
    "total_tax" DECIMAL(12,2),
    "in_stock" BOOLEAN NOT NULL DEFAULT true,
    "saleable" BOOLEAN NOT NULL DEFAULT true,
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "deleted_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inventory_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transactions" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "pos_id" TEXT NOT NULL,
    "location_id" UUID NOT NULL,
    "customer_id" UUID,
    "employee_id" UUID,
    "channel" "Channel" NOT NULL DEFAULT 'in_store',
    "kind" "TransactionKind" NOT NULL DEFAULT 'sale',
    "status" "TransactionStatus" NOT NULL DEFAULT 'completed',
    "voided_at" TIMESTAMPTZ(6),
    "original_transaction_id" UUID,
    "transacted_at" TIMESTAMPTZ(6) NOT NULL,
    "business_date" DATE NOT NULL,
    "subtotal" DECIMAL(12,2) NOT NULL,
    "discount_total" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "tax_total" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "total" DECIMAL(12,2) NOT NULL,
    "cost_total" DECIMAL(14,4),
    "body_hash" TEXT,
    "deleted_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "transactions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "line_items" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "transaction_id" UUID NOT NULL,
    "line_number" INTEGER NOT NULL,
    "product_id" UUID,
    "sku" TEXT NOT NULL,
    "pos_product_id" TEXT,
    "name" TEXT NOT NULL,
    "brand" TEXT,
    "category" TEXT,
    "parent_category" TEXT,
    "size" TEXT,
    "strain" TEXT,
    "grade" TEXT,
    "species" TEXT,
    "unit_price" DECIMAL(12,2) NOT NULL,
    "quantity" DECIMAL(12,3) NOT NULL,
    "discount" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "tax" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "line_total" DECIMAL(12,2) NOT NULL,
    "unit_cost" DECIMAL(12,4),

    CONSTRAINT "line_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "scopes" TEXT[],
    "location_ids" UUID[],
    "expires_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "last_used_at" TIMESTAMPTZ(6),
    "rotated_from_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_entries" (
    "id" BIGSERIAL NOT NULL,
    "merchant_id" UUID NOT NULL,
    "api_key_id" UUID,
    "action" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entity_id" TEXT,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "merchant_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status_code" INTEGER NOT NULL,
    "response_body" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("merchant_id","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "merchants_slug_key" ON "merchants"("slug");

-- CreateIndex
CREATE INDEX "locations_merchant_id_updated_at_id_idx" ON "locations"("merchant_id", "updated_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "locations_merchant_id_pos_id_key" ON "locations"("merchant_id", "pos_id");

-- CreateIndex
CREATE UNIQUE INDEX "employees_merchant_id_pos_id_key" ON "employees"("merchant_id", "pos_id");

-- CreateIndex
CREATE INDEX "customers_merchant_id_updated_at_id_idx" ON "customers"("merchant_id", "updated_at", "id");

-- CreateIndex
CREATE INDEX "customers_merchant_id_created_at_id_idx" ON "customers"("merchant_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "customers_merchant_id_phone_idx" ON "customers"("merchant_id", "phone");

-- CreateIndex
CREATE INDEX "customers_merchant_id_email_idx" ON "customers"("merchant_id", "email");

-- CreateIndex
CREATE UNIQUE INDEX "customers_merchant_id_pos_user_key" ON "customers"("merchant_id", "pos_user");

-- CreateIndex
CREATE INDEX "products_merchant_id_updated_at_id_idx" ON "products"("merchant_id", "updated_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "products_merchant_id_sku_key" ON "products"("merchant_id", "sku");

-- CreateIndex
CREATE INDEX "inventory_items_merchant_id_updated_at_id_idx" ON "inventory_items"("merchant_id", "updated_at", "id");

-- CreateIndex
CREATE INDEX "inventory_items_product_id_idx" ON "inventory_items"("product_id");

-- CreateIndex
CREATE UNIQUE INDEX "inventory_items_location_id_product_id_key" ON "inventory_items"("location_id", "product_id");

-- CreateIndex
CREATE INDEX "transactions_merchant_id_updated_at_id_idx" ON "transactions"("merchant_id", "updated_at", "id");

-- CreateIndex
CREATE INDEX "transactions_merchant_id_transacted_at_id_idx" ON "transactions"("merchant_id", "transacted_at", "id");

-- CreateIndex
CREATE INDEX "transactions_merchant_id_business_date_location_id_idx" ON "transactions"("merchant_id", "business_date", "location_id");

-- CreateIndex
CREATE INDEX "transactions_merchant_id_customer_id_transacted_at_idx" ON "transactions"("merchant_id", "customer_id", "transacted_at");

-- CreateIndex
CREATE INDEX "transactions_original_transaction_id_idx" ON "transactions"("original_transaction_id");

-- CreateIndex
CREATE UNIQUE INDEX "transactions_merchant_id_pos_id_key" ON "transactions"("merchant_id", "pos_id");

-- CreateIndex
CREATE INDEX "line_items_merchant_id_sku_idx" ON "line_items"("merchant_id", "sku");

-- CreateIndex
CREATE INDEX "line_items_product_id_idx" ON "line_items"("product_id");

-- CreateIndex
CREATE UNIQUE INDEX "line_items_transaction_id_line_number_key" ON "line_items"("transaction_id", "line_number");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys"("prefix");

-- CreateIndex
CREATE INDEX "api_keys_merchant_id_idx" ON "api_keys"("merchant_id");

-- CreateIndex
CREATE INDEX "audit_entries_merchant_id_at_idx" ON "audit_entries"("merchant_id", "at");

-- AddForeignKey
ALTER TABLE "locations" ADD CONSTRAINT "locations_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "employees" ADD CONSTRAINT "employees_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customers" ADD CONSTRAINT "customers_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "products" ADD CONSTRAINT "products_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory_items" ADD CONSTRAINT "inventory_items_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory_items" ADD CONSTRAINT "inventory_items_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "locations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory_items" ADD CONSTRAINT "inventory_items_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "locations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_employee_id_fkey" FOREIGN KEY ("employee_id") REFERENCES "employees"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_original_transaction_id_fkey" FOREIGN KEY ("original_transaction_id") REFERENCES "transactions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "line_items" ADD CONSTRAINT "line_items_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "line_items" ADD CONSTRAINT "line_items_transaction_id_fkey" FOREIGN KEY ("transaction_id") REFERENCES "transactions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "line_items" ADD CONSTRAINT "line_items_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_entries" ADD CONSTRAINT "audit_entries_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "idempotency_records" ADD CONSTRAINT "idempotency_records_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Change time is written by the database, never by an application server's clock (see the
-- sync feed in src/lib/sync-horizon.ts): a write takes its transaction id first, so it shows as in
-- flight before it reads the clock. An UPDATE that changes nothing keeps its change time.
CREATE FUNCTION pos_bridge_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'updated_at') = (to_jsonb(OLD) - 'updated_at') THEN
    NEW.updated_at := OLD.updated_at;
    RETURN NEW;
  END IF;
  PERFORM pg_current_xact_id();
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END
$$;

CREATE TRIGGER merchants_updated_at BEFORE INSERT OR UPDATE ON "merchants" FOR EACH ROW EXECUTE FUNCTION pos_bridge_set_updated_at();
CREATE TRIGGER locations_updated_at BEFORE INSERT OR UPDATE ON "locations" FOR EACH ROW EXECUTE FUNCTION pos_bridge_set_updated_at();
CREATE TRIGGER employees_updated_at BEFORE INSERT OR UPDATE ON "employees" FOR EACH ROW EXECUTE FUNCTION pos_bridge_set_updated_at();
CREATE TRIGGER customers_updated_at BEFORE INSERT OR UPDATE ON "customers" FOR EACH ROW EXECUTE FUNCTION pos_bridge_set_updated_at();
CREATE TRIGGER products_updated_at BEFORE INSERT OR UPDATE ON "products" FOR EACH ROW EXECUTE FUNCTION pos_bridge_set_updated_at();
CREATE TRIGGER inventory_items_updated_at BEFORE INSERT OR UPDATE ON "inventory_items" FOR EACH ROW EXECUTE FUNCTION pos_bridge_set_updated_at();
CREATE TRIGGER transactions_updated_at BEFORE INSERT OR UPDATE ON "transactions" FOR EACH ROW EXECUTE FUNCTION pos_bridge_set_updated_at();
