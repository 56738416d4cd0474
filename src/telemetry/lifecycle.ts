// The one piece of tracing the service itself calls (on shutdown, to send the spans still
// buffered). Kept apart from tracing.ts so that importing it never loads the SDK.
let stop: (() => Promise<void>) | undefined;

export function onTracingStop(fn: () => Promise<void>): void {
  stop = fn;
}

/** Sends the spans still buffered and stops tracing; nothing when tracing is off. */
export async function stopTracing(): Promise<void> {
  const fn = stop;
  stop = undefined;
  await fn?.();
}
