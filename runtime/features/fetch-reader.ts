/**
 * A feature store behind HTTP, usable on every target (a page's own API, a feature service beside a Node or Deno
 * server). The contract, one request per view per predict call:
 *
 * - request: `POST <url>`, `content-type: application/json`, body `{ "view": "<view>", "keys": ["<key>", ...] }`
 * - answer: `200`, `{ "records": [<record> | null, ...] }`, one entry per key in the order asked, `null` for a key the
 *   store does not hold; a record is `{ "values": { "<feature>": "<value>" | number | boolean | null }, "ts": <epoch
 *   ms>, "pushedAt"?: <epoch ms> }` (the documents `edge-ml features push` writes; runtime/features/record.ts).
 *
 * Anything else (a refused connection, a non-2xx status, another body, the timeout) throws, and the request is then a
 * 503 FEATURE_STORE_UNAVAILABLE: a prediction is never made on values the store did not give.
 *
 * @example
 * ```ts
 * const reader = createFetchReader({ url: "https://features.example.com/lookup", headers: { authorization: `Bearer ${token}` } });
 * await reader.read("customer", ["c-42", "c-0"]); // [{ values: { plan: "pro" }, ts, pushedAt }, undefined]
 * ```
 */
import type { FeatureRecord } from "../../core/feature-views-layout.ts";
import { readRecord } from "./record.ts";
import type { FeatureStoreReader } from "./types.ts";

export interface FetchReaderOptions {
  /** The store's endpoint (absolute, or relative to the page). */
  url: string | URL;
  /** Extra request headers (e.g. authorization). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Give up after this long (default 2,000 ms): a lookup sits inside the prediction's latency budget. */
  timeoutMs?: number | undefined;
  /** The fetch to use (default: globalThis.fetch). */
  fetch?: typeof fetch | undefined;
}

/** Default timeout of one store request. */
const FETCH_READER_TIMEOUT_MS = 2_000;

export function createFetchReader(opts: FetchReaderOptions): FeatureStoreReader {
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const timeoutMs = opts.timeoutMs ?? FETCH_READER_TIMEOUT_MS;
  const page = (globalThis as { location?: { href: string } }).location?.href;
  const url = new URL(opts.url, page).href;
  return {
    async read(view, keys) {
      if (keys.length === 0) return [];
      const where = `the feature store at ${url} (view "${view}")`;
      let response: Response;
      try {
        response = await doFetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", ...opts.headers },
          body: JSON.stringify({ view, keys }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const why = (err as Error).name === "TimeoutError" ? `did not answer within ${timeoutMs} ms` : `could not be reached: ${(err as Error).message}`;
        throw new Error(`${where} ${why}`, { cause: err });
      }
      if (!response.ok) {
        const text = await response.text().catch(() => "");
        throw new Error(`${where} answered HTTP ${response.status}${text === "" ? "" : `: ${text.slice(0, 200)}`}`);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        throw new Error(`${where} answered something that is not JSON; expected { "records": [...] }`);
      }
      const records = (body as { records?: unknown } | null)?.records;
      if (!Array.isArray(records) || records.length !== keys.length) {
        const got = Array.isArray(records) ? `${records.length} records` : 'no "records" array';
        throw new Error(`${where} answered ${got} for ${keys.length} keys; expected { "records": [...] } with one record or null per key, in order`);
      }
      return records.map((r, i): FeatureRecord | undefined => (r === null ? undefined : readRecord(r, `${where}: records[${i}]`)));
    },
  };
}
