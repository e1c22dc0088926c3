/** Poll a condition in integration tests (telemetry arriving, a monitor catching up). */

/** Call `fn` every `everyMs` until `ok` holds of its answer or `timeoutMs` has passed; the last answer either way. */
export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last = await fn();
  while (!ok(last) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, everyMs));
    last = await fn();
  }
  return last;
}
