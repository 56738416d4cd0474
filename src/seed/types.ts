// The seeder's public types.

export interface SeedOptions {
  /** Same seed and options (and `now`) give the same rows. */
  seed: number;
  merchants: number;
  locationsPerMerchant: number;
  customersPerMerchant: number;
  productsPerMerchant: number;
  /** Rows in transactions per merchant: sales plus ~2% refunds. */
  transactionsPerMerchant: number;
  employeesPerLocation: number;
  /** How far back sales go from `now`, in calendar months (default 13: AIQ backfills 12). */
  months?: number;
  /** Slug of the first merchant (e.g. "demo"); a taken slug gets a "-2", "-3"... suffix. */
  merchantSlug?: string;
  /** Name of the first merchant. */
  merchantName?: string;
  /** The end of the sales window (default: the current time). */
  now?: Date;
}

export interface SeedProgress {
  phase: string;
  done: number;
  total: number;
}

export interface SeededMerchant {
  id: string;
  slug: string;
  name: string;
}

export interface SeedCounts {
  merchants: number;
  locations: number;
  employees: number;
  products: number;
  inventoryItems: number;
  customers: number;
  /** Rows in transactions: sales + refunds. */
  transactions: number;
  sales: number;
  refunds: number;
  voided: number;
  anonymous: number;
  lineItems: number;
}

export interface SeedSummary extends SeedCounts {
  merchantsCreated: SeededMerchant[];
  elapsedMs: number;
}
