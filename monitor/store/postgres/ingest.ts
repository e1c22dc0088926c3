/**
 * The write path of the Postgres store: the shared ingest plan (../sql/ingest-plan.ts) run as ONE transaction on one
 * pooled connection. Idempotency under concurrent writers comes from the database: the plan's first statement inserts
 * the batch row (`on conflict (batch_id) do nothing`); a second process inserting the same batchId at the same moment
 * waits on the unique index until the first commits, then inserts nothing, and every later statement of its plan is
 * guarded by its own nonce, so it writes nothing (a duplicate); when the first rolled back (its process was killed)
 * it stores the batch itself. Counters and profile cells are upserts that add: nothing is read and written back in
 * this process, so two monitors lose nothing.
 *
 * Every batch of a deployment updates the same rows (its `deployments` row, the minute's counters, the bucket's
 * profile cells), so each transaction holds those row locks until it commits, and other batches of the deployment
 * wait for it. So the statements that take them go to the server as one message (`…; commit`, values inlined as
 * escaped literals), not one round trip each: the locks are held for the server's own execution time, not the
 * monitor's event loop between statements (measured: 5 → 40+ batches/s with two monitors, see bench/).
 *
 * The sample rows (the bulk of a batch, and rows no other batch touches) are streamed with COPY between the first
 * message (`begin`, the batch row, the ids they reference) and that last one: Postgres then parses plain text rows
 * instead of planning a 300 KB statement (measured 37-41k against 35-37k events/s with two monitors). Other rows go
 * as one array literal per column (../sql/rows.ts), written by JSON.stringify where JSON's escaping is the array
 * literal's, and at most INGEST_CONCURRENCY batches of a process are in the database at once (see there).
 *
 * A deadlock (two batches upserting the same rows in another order) or a serialization failure rolls the whole
 * transaction back; it is retried with a new plan (a new nonce), so the batch is still stored once.
 *
 * @example
 * ```ts
 * const ingest = createPostgresIngest(db, pool, 60_000);
 * const { duplicate } = await ingest(batch, Date.now()); // resolves after COMMIT
 * ```
 */
import { finished } from "node:stream/promises";
import type { CompiledQuery, Kysely } from "kysely";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import { POSTGRES_FLAVOR } from "../sql/flavor.ts";
import { type IngestPlan, ingestPlan, type SampleCopy } from "../sql/ingest-plan.ts";
import type { Value } from "../sql/rows.ts";
import type { MonitorDb } from "../sql/tables.ts";

/** Multi-row statements take up to this many values (Postgres binds at most 65,535 parameters per statement). */
const MAX_PARAMS = 32_000;
/** deadlock_detected, serialization_failure: the transaction was rolled back and may simply run again. */
const RETRYABLE = new Set(["40P01", "40001"]);
const ATTEMPTS = 5;

/**
 * A string as an SQL literal: what pg's escapeLiteral writes (an escape string `E'...'` with each backslash and quote
 * doubled when it holds a backslash, else `'...'`, quotes doubled), in native regex passes instead of its loop over
 * every character (a sampled batch inlines ~300 KB). The escape form is kept on purpose: a plain `'...'` of the same
 * JSON text (backslashes single, standard_conforming_strings on) measured 24k against 33k events/s in the ingest bench.
 */
function quote(s: string): string {
  const q = s.includes("'") ? s.replaceAll("'", "''") : s;
  return s.includes("\\") ? ` E'${q.replaceAll("\\", "\\\\")}'` : `'${q}'`;
}

/**
 * Characters JSON writes as an escape the array literal would misread (`\n` is "n" there): control characters, and
 * surrogates (a lone one becomes `\udxxx`; pairs are fine but rare enough to take the slow path too).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const NOT_LIKE_JSON = /[\u0000-\u001f\ud800-\udfff]/;

/** An element of an array literal (`{...}`), quoted when a string; undefined when it cannot be one. */
function element(v: unknown): string | undefined {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === "string") return v.includes("\u0000") ? undefined : `"${v.replace(/[\\"]/g, "\\$&")}"`;
  return undefined;
}

/**
 * A column of rows as an array literal. JSON quotes strings the way an array literal does (`"` and `\` escaped by a
 * backslash), so `JSON.stringify` writes the whole column natively unless a string holds a character JSON escapes
 * differently (NOT_LIKE_JSON): then each element is quoted here.
 */
function arrayLiteral(v: readonly unknown[]): string | undefined {
  let json = true;
  for (const x of v) {
    if (typeof x === "string") {
      if (NOT_LIKE_JSON.test(x)) json = false;
    } else if (typeof x === "number") {
      if (!Number.isFinite(x)) return undefined;
    } else if (x !== null && x !== undefined) return undefined;
  }
  if (json) return `{${JSON.stringify(v).slice(1, -1)}}`;
  const items = v.map(element);
  return items.includes(undefined) ? undefined : `{${items.join(",")}}`;
}

/** A parameter as an SQL literal; undefined when it cannot be one (the statement then runs with bound parameters). */
function literal(v: unknown): string | undefined {
  if (v === null || v === undefined) return "null";
  // A column of rows (../sql/rows.ts, column arrays): an array literal, cast to its type by the statement.
  if (Array.isArray(v)) {
    const text = arrayLiteral(v);
    return text === undefined ? undefined : quote(text);
  }
  if (typeof v === "number") return Number.isFinite(v) ? (v < 0 ? `(${v})` : String(v)) : undefined;
  if (typeof v === "bigint") return v < 0n ? `(${v})` : String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  // The query text is a C string on the wire: a NUL cannot be inlined.
  if (typeof v === "string") return v.includes("\u0000") ? undefined : quote(v);
  return undefined;
}

/** The query with its `$n` placeholders replaced by literals, or undefined if one value cannot be inlined. */
function inline(q: CompiledQuery): string | undefined {
  const values = q.parameters.map(literal);
  if (values.includes(undefined)) return undefined;
  // One pass over kysely's compiled text: its placeholders are the only `$n` in it (values never are part of it).
  return q.sql.replace(/\$(\d+)/g, (_m, n: string) => values[Number(n) - 1]!);
}

/** Results of one query or of a multi-statement message, as a list. */
const results = (r: pg.QueryResult | pg.QueryResult[]): pg.QueryResult[] => (Array.isArray(r) ? r : [r]);

/**
 * Runs the queries in order on the open connection: as one message when every value can be inlined, else one by one
 * with bound parameters. `begin` and `commit` are sent with them (not counted in the results).
 */
async function send(client: pg.PoolClient, queries: readonly CompiledQuery[], begin: boolean, commit: boolean): Promise<pg.QueryResult[]> {
  const texts = queries.map(inline);
  if (texts.every((t): t is string => t !== undefined)) {
    const all = [...(begin ? ["begin"] : []), ...texts, ...(commit ? ["commit"] : [])];
    const out = results((await client.query(all.join(";\n"))) as unknown as pg.QueryResult | pg.QueryResult[]);
    return out.slice(begin ? 1 : 0, commit ? -1 : undefined);
  }
  if (begin) await client.query("begin");
  const out: pg.QueryResult[] = [];
  for (const q of queries) out.push(await client.query(q.sql, q.parameters as unknown[]));
  if (commit) await client.query("commit");
  return out;
}

/** Characters COPY's text format escapes in a value (a backslash, then `\\`, `n`, `r` or `t`); only used by `replace`. */
const COPY_SPECIAL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** A value as a cell of COPY's text format: `\N` for null, special characters escaped. */
function copyCell(v: Value): string {
  if (v === null) return "\\N";
  if (typeof v === "number") return String(v);
  return v.replace(COPY_SPECIAL, (c) => COPY_ESCAPES[c]!);
}

/** Streams the plan's sample rows into `samples` with COPY, each row prefixed by the ids the plan selected. */
async function copySamples(client: pg.PoolClient, copy: SampleCopy, ids: Record<string, unknown>): Promise<number> {
  const prefix = `${copy.columns
    .slice(0, 3)
    .map((c) => copyCell(Number(ids[c])))
    .join("\t")}\t`;
  let text = "";
  for (const row of copy.rows) text += `${prefix}${row.map(copyCell).join("\t")}\n`;
  const stream = client.query(copyFrom(`copy "samples" (${copy.columns.map((c) => `"${c}"`).join(", ")}) from stdin`));
  stream.end(Buffer.from(text));
  await finished(stream);
  return stream.rowCount;
}

/**
 * Runs a plan in one transaction; returns the rows each query affected. With `plan.copy` it takes three messages:
 * the queries up to the id select (they take no lock another batch waits for, except the batch's own id), the COPY
 * of the samples, then the rest with the commit, so the shared rows are still locked only for one message.
 */
async function runTransaction(client: pg.PoolClient, plan: IngestPlan): Promise<number[]> {
  const { queries, copy } = plan;
  if (copy === undefined) return (await send(client, queries, true, true)).map((r) => r.rowCount ?? 0);
  const head = await send(client, queries.slice(0, copy.at + 1), true, false);
  const ids = head.at(-1)!.rows[0] as Record<string, unknown> | undefined;
  if (ids !== undefined) head[head.length - 1]!.rowCount = await copySamples(client, copy, ids);
  const tail = await send(client, queries.slice(copy.at + 1), false, true);
  return [...head, ...tail].map((r) => r.rowCount ?? 0);
}

/**
 * Batches one process writes at once, by default. Every batch of a deployment inserts into the same right-most index
 * pages (sample ids, times) and then updates the same counter and profile rows, so more writers mostly wait on each
 * other: with two monitors the ingest bench measured 24k events/s unlimited and 37-39k with 1, 2 or 4 per process.
 */
const INGEST_CONCURRENCY = 2;

export function createPostgresIngest(
  db: Kysely<MonitorDb>,
  pool: pg.Pool,
  profileBucketMs: number,
  concurrency = INGEST_CONCURRENCY,
): (batch: TelemetryBatch, receivedAt: number) => Promise<{ duplicate: boolean }> {
  let conflicts = 0;

  async function attempt(batch: TelemetryBatch, receivedAt: number): Promise<{ duplicate: boolean }> {
    const plan = ingestPlan(batch, receivedAt, { db, flavor: POSTGRES_FLAVOR, profileBucketMs, maxParams: MAX_PARAMS, copySamples: true });
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      const affected = await runTransaction(client, plan);
      if (plan.profileConflicts.some((i) => (affected[i] ?? 0) > 0) && conflicts++ % 1000 === 0) {
        console.warn(`edge-ml monitor: profile of ${batch.model.name}@${batch.model.version} not merged: its bins differ from the stored ones`);
      }
      return { duplicate: affected[0] === 0 };
    } catch (error) {
      await client.query("rollback").catch((e: Error) => (broken = e));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  // At most `concurrency` batches of this process in the database at once; the rest queue here (a slot passes
  // straight to the next in line, so the limit holds).
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return async (batch, receivedAt) => {
    if (active < concurrency) active++;
    else await new Promise<void>((r) => waiting.push(r));
    try {
      for (let i = 1; ; i++) {
        try {
          return await attempt(batch, receivedAt);
        } catch (error) {
          if (i >= ATTEMPTS || !RETRYABLE.has((error as { code?: string }).code ?? "")) throw error;
        }
      }
    } finally {
      release();
    }
  };
}
