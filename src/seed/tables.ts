// Data tables too wide for one row a line are split into tables keyed by a code (a category's, a
// city's); this joins such a table back to the rows it completes, refusing one that does not match.

/** The values of `rows` in the order of `keys`; each key must have exactly one row and each row a key. */
export function joinByKey<T>(table: string, keys: readonly string[], rows: ReadonlyArray<readonly [string, T]>): T[] {
  const byKey = new Map(rows);
  if (byKey.size !== rows.length || rows.length !== keys.length || !keys.every((key) => byKey.has(key))) {
    throw new Error(`${table}: its rows' keys are not exactly ${keys.join(", ")}, one row each`);
  }
  return keys.map((key) => byKey.get(key)!);
}
