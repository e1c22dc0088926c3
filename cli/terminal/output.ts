/**
 * Terminal output: colour decided per stream (stdout and stderr can each be a terminal or a pipe), user errors
 * printed as what, where and how to fix (no stack), system errors with their stack, and the JSON error document that
 * `--json` prints instead.
 *
 * @example
 * ```ts
 * console.log(`${green("✔")} built`);           // stdout's colours
 * console.error(colors(process.stderr).red("✖")); // stderr's colours
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import { EXIT, exitCodeOf } from "./errors.ts";

/** Colour only on a terminal, and never with NO_COLOR set (no-color.org) or TERM=dumb. Decided at each call. */
export function colorEnabled(stream: { isTTY?: boolean }): boolean {
  const noColor = process.env["NO_COLOR"];
  if (noColor !== undefined && noColor !== "") return false;
  return stream.isTTY === true && process.env["TERM"] !== "dumb";
}

export interface Colors {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function colors(stream: { isTTY?: boolean }): Colors {
  const paint = (code: number) => (s: string) => (colorEnabled(stream) ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { red: paint(31), green: paint(32), yellow: paint(33), dim: paint(2), bold: paint(1) };
}

/** Remove ANSI escape sequences (a child process may colour its output even when asked not to). */
export function stripAnsi(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g, "");
}

/** Colours for stdout, where `console.log` writes. */
export const { red, green, yellow, dim, bold } = colors(process.stdout);

/** Render an error for stderr. Exported for tests (inline snapshots of user-facing text). */
export function formatError(error: unknown, debug = false): string {
  const c = colors(process.stderr);
  if (error instanceof EdgeMlError && error.isUserError) {
    const lines = [`${c.red("✖")} ${error.message}${error.file ? ` (${error.file})` : ""}`];
    for (const issue of error.issues) lines.push(`  • ${issue.path}: ${issue.message}`);
    if (error.hint) lines.push(`  ${c.dim("hint:")} ${error.hint}`);
    if (debug && error.stack) lines.push(c.dim(error.stack));
    return lines.join("\n");
  }
  if (isCittyUsageError(error)) return `${c.red("✖")} ${error.message}\n  ${c.dim("hint:")} run with --help to see the arguments`;
  const code = error instanceof EdgeMlError ? error.code : "ERR_INTERNAL";
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `${c.red("✖")} internal error ${code}\n${stack}`;
}

/** The `--json` form of an error: the same shape as the edge's HTTP errors. */
function errorDocument(error: unknown): { error: { code: string; message: string; issues: { path: string; message: string }[]; hint: string | null } } {
  if (error instanceof EdgeMlError) return { error: { code: error.code, message: error.message, issues: error.issues, hint: error.hint ?? null } };
  const message = error instanceof Error ? error.message : String(error);
  return { error: { code: isCittyUsageError(error) ? "ERR_USAGE" : "ERR_INTERNAL", message, issues: [], hint: null } };
}

/**
 * Print an error and return the exit code (errors.ts: 1 user, 2 usage, 70 internal). With `json`, the error document
 * goes to stdout (where the result would have gone, so `| jq` always gets one document); an internal error's stack
 * still goes to stderr.
 */
export function printError(error: unknown, opts: { debug?: boolean; json?: boolean } = {}): number {
  const code = isCittyUsageError(error) ? EXIT.usage : exitCodeOf(error);
  if (opts.json) {
    console.log(JSON.stringify(errorDocument(error), null, 2));
    if (code === EXIT.internal) console.error(formatError(error, true));
  } else console.error(formatError(error, opts.debug === true));
  return code;
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
