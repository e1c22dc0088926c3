/**
 * Numbers as the drivers return them: better-sqlite3 and D1 give numbers, Postgres gives 64-bit integers and sums as
 * strings (bigint, numeric). Every read of the SQL layer goes through these.
 *
 * @example
 * ```ts
 * num("42"); // 42
 * numOrNull(null); // null
 * ```
 */
export const num = (v: unknown): number => (typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : Number(v ?? 0));

export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
