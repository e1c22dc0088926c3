/**
 * `--json` output: one JSON document on stdout, so `edge-ml ... --json | jq` always parses; logs and progress go to
 * stderr. Errors under `--json` are `{error: {code, message, issues, hint}}` on stdout too (output.ts).
 *
 * @example
 * ```ts
 * if (args.json) return printJson({ model, outDir, files });
 * ```
 */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
