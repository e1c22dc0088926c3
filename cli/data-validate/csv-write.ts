/**
 * One CSV line from fields (RFC 4180): a field with a comma, quote, line break or surrounding space is quoted, and
 * its quotes doubled, so csv-parse (and any spreadsheet) reads back exactly what was written.
 *
 * @example
 * ```ts
 * csvLine(["a", 'say "hi"', "x,y"]); // 'a,"say ""hi""","x,y"'
 * ```
 */
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvLine(fields: readonly string[]): string {
  return fields.map((f) => (NEEDS_QUOTES.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(",");
}
