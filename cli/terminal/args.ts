/** Argument helpers citty does not provide. Their errors are usage errors (exit 2). */
import { UsageError } from "./errors.ts";
import { closest } from "./suggest.ts";

/** All values of a repeatable flag (`--slice a --slice b` or `--slice=a`), in order. citty keeps only the last. */
export function repeated(rawArgs: readonly string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === `--${flag}` && i + 1 < rawArgs.length) out.push(rawArgs[++i]!);
    else if (arg.startsWith(`--${flag}=`)) out.push(arg.slice(flag.length + 3));
  }
  return out;
}

/** Parse a TCP port flag; 0 means "any free port". */
export function parsePort(value: string | undefined, fallback: number, flag = "port"): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag} ${value} is not a port number`, { hint: "use 0-65535 (0 picks a free one)" });
  return n;
}

/** `value` if it is one of `allowed`, else a usage error naming them all and the closest one. */
export function choice<T extends string>(flag: string, value: string, allowed: readonly T[], hint?: string): T {
  const found = allowed.find((a) => a === value);
  if (found !== undefined) return found;
  const guess = closest(value, allowed);
  throw new UsageError(`--${flag} ${value} is not allowed${guess ? ` (did you mean ${guess}?)` : ""}`, {
    hint: `Should be one of: ${allowed.join(", ")}${hint ? ` (${hint})` : ""}`,
  });
}
