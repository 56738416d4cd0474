// A database of this test file's own, cloned from the migrated template; dropped afterwards.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { createDb, type Db } from "../../src/db/client.js";

export interface TestDb extends Db {
  url: string;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Call at the top of a test file (or in beforeAll); the database is dropped after the file. */
export async function createTestDb(): Promise<TestDb> {
  const name = `test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${inject("pgTemplate")}`));
  const url = new URL(inject("pgAdminUrl"));
  url.pathname = `/${name}`;
  const db = createDb({ url: url.toString(), poolMax: 10 });
  afterAll(async () => {
    await db.close();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });
  return { ...db, url: url.toString() };
}
