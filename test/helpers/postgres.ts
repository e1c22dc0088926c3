/**
 * A real Postgres for a test file (./postgres-server.ts): started on first use, one empty database per call of
 * `freshDatabase()`, stopped after the file's tests. Without Postgres installed, the first use fails with
 * `apt-get install -y postgresql`.
 *
 * @example
 * ```ts
 * const url = await freshDatabase(); // postgres://postgres@127.0.0.1:<port>/t1, empty
 * const store = await openPostgresStore({ url });
 * ```
 */
import { afterAll } from "vitest";
import { startPostgres, type PostgresServer } from "./postgres-server.ts";

let shared: Promise<PostgresServer> | undefined;

/** One server per test file, started on first use and stopped after the file's tests. */
export function sharedPostgres(): Promise<PostgresServer> {
  shared ??= startPostgres();
  return shared;
}

/** An empty database on this file's server. */
export async function freshDatabase(): Promise<string> {
  return (await sharedPostgres()).createDatabase();
}

afterAll(async () => {
  if (shared !== undefined) await (await shared.catch(() => undefined))?.stop();
}, 30_000);
