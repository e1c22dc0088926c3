/**
 * Terminal output: user errors print what, where and how to fix (no stack); system errors print their stack.
 */
import { EdgeMlError } from "../../core/errors.ts";

const useColor = process.stderr.isTTY === true && process.env["NO_COLOR"] === undefined;
const paint = (code: number) => (s: string) => (useColor ? `\x1b[${code}m${s}\x1b[0m` : s);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);
export const dim = paint(2);
export const bold = paint(1);

/** Render an error for the terminal. Exported for tests (inline snapshots of user-facing text). */
export function formatError(error: unknown, debug = false): string {
  if (error instanceof EdgeMlError && error.isUserError) {
    const lines = [`${red("✖")} ${error.message}${error.file ? ` (${error.file})` : ""}`];
    for (const issue of error.issues) lines.push(`  • ${issue.path}: ${issue.message}`);
    if (error.hint) lines.push(`  ${dim("hint:")} ${error.hint}`);
    if (debug && error.stack) lines.push(dim(error.stack));
    return lines.join("\n");
  }
  if (isCittyUsageError(error)) return `${red("✖")} ${error.message}\n  ${dim("hint:")} run with --help to see the arguments`;
  const code = error instanceof EdgeMlError ? error.code : "ERR_INTERNAL";
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `${red("✖")} internal error ${code}\n${stack}`;
}

/** Print an error to stderr and return the exit code (1 for user errors, 2 for internal errors). */
export function printError(error: unknown, debug = false): number {
  console.error(formatError(error, debug));
  return (error instanceof EdgeMlError && error.isUserError) || isCittyUsageError(error) ? 1 : 2;
}

function isCittyUsageError(error: unknown): error is Error {
  return error instanceof Error && error.name === "CLIError";
}

/** Format a byte count as KiB/MiB with one decimal. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}
