/**
 * Which store the Node monitor runs on, from one string (`--store`, `$EDGE_ML_MONITOR_STORE`): a `postgres://` or
 * `postgresql://` URL opens the Postgres store; `sqlite:<file>` or a plain path opens that SQLite file (the default,
 * embedded, nothing to run). Node only: both stores open sockets or files.
 *
 * @example
 * ```ts
 * const store = await openStore("postgres://monitor@127.0.0.1:5432/monitor");
 * const local = await openStore(".edge-ml/monitor.db");
 * console.log(describeStore("postgres://monitor:secret@db/monitor")); // postgres://monitor:***@db/monitor
 * ```
 */
import { resolve } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import type { MonitorStore } from "./contract.ts";

export interface OpenStoreOptions {
  /** Profile bucket length (default a minute). */
  profileBucketMs?: number;
  /** SQLite only. */
  synchronous?: "NORMAL" | "FULL";
}

type StoreSpec = { kind: "sqlite"; file: string } | { kind: "postgres"; url: string };

export function parseStoreSpec(spec: string): StoreSpec {
  if (/^postgres(ql)?:\/\//i.test(spec)) return { kind: "postgres", url: spec };
  if (spec.startsWith("sqlite:")) {
    const file = spec.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (file === "") throw new EdgeMlError("ERR_USAGE", "store sqlite: names no file", { hint: "e.g. --store sqlite:.edge-ml/monitor.db" });
    return { kind: "sqlite", file: resolve(file) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1];
  if (scheme !== undefined) {
    throw new EdgeMlError("ERR_USAGE", `the monitor has no ${scheme} store (${describeStore(spec)})`, {
      hint: "use postgres://user@host:5432/db, sqlite:<file>, or a file path",
    });
  }
  return { kind: "sqlite", file: resolve(spec) };
}

/** The store spec as it may be printed: a URL's password replaced by `***`, a SQLite file as an absolute path. */
export function describeStore(spec: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) return spec.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, "$1***@");
  const parsed = parseStoreSpec(spec);
  return parsed.kind === "sqlite" ? parsed.file : spec;
}

export async function openStore(spec: string, opts: OpenStoreOptions = {}): Promise<MonitorStore> {
  const parsed = parseStoreSpec(spec);
  const profile = opts.profileBucketMs === undefined ? {} : { profileBucketMs: opts.profileBucketMs };
  if (parsed.kind === "postgres") {
    const { openPostgresStore } = await import("./postgres/store.ts");
    return openPostgresStore({ url: parsed.url, ...profile });
  }
  const { openSqliteStore } = await import("./sqlite/store.ts");
  return openSqliteStore({ file: parsed.file, ...profile, ...(opts.synchronous ? { synchronous: opts.synchronous } : {}) });
}
