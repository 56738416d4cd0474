// Prisma 7 reads its CLI settings here. The database URL is only needed by CLI commands that
// connect; the service and migrations connect through src/db (driver adapter, embedded default).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/pos_bridge" },
});
