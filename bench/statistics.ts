// The "before ANALYZE" phase: each shape is also measured as a database right after loading, whose
// tables have never been analysed. The datasets are built once and reused, so that state is made
// again: the planner's statistics of every table and index of the schema are removed (pg_statistic
// rows, and reltuples -1 / relpages 0 / relallvisible 0 in pg_class: "never vacuumed or analysed",
// so the planner estimates from the files' sizes, as on a new database), with autovacuum off for
// those tables so that its analyze cannot run in between. Afterwards VACUUM (ANALYZE) restores them
// and autovacuum is given back. Only the bench's own databases are touched (a superuser session).
import pg from "pg";

const TABLES = `SELECT c.oid, c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  AND c.relkind = 'r' AND c.relname <> '_prisma_migrations'`;

export async function forgetStatistics(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ relname: string }>(TABLES);
    for (const { relname } of rows)
      await client.query(`ALTER TABLE ${pg.escapeIdentifier(relname)} SET (autovacuum_enabled = false)`);
    await client.query("BEGIN");
    await client.query(
      `DELETE FROM pg_statistic WHERE starelid IN
        (SELECT oid FROM (${TABLES}) t UNION SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT oid
          FROM (${TABLES}) t))`,
    );
    await client.query(
      `UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0
       WHERE oid IN (SELECT oid FROM (${TABLES}) t UNION SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT oid
         FROM (${TABLES}) t))`,
    );
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
}

/** ANALYZE (with VACUUM, for the visibility counts) and autovacuum back on. */
export async function restoreStatistics(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("VACUUM (ANALYZE)");
    const { rows } = await client.query<{ relname: string }>(TABLES);
    for (const { relname } of rows)
      await client.query(`ALTER TABLE ${pg.escapeIdentifier(relname)} RESET (autovacuum_enabled)`);
  } finally {
    await client.end();
  }
}

/** Whether the tables have no statistics now (the "before ANALYZE" state), for the report. */
export async function hasNoStatistics(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_statistic WHERE starelid IN (SELECT oid FROM (${TABLES}) t)`,
    );
    return rows[0]!.n === 0;
  } finally {
    await client.end();
  }
}
