/**
 * Short, human descriptions of JSON values for error messages ("got string "12"", "got an array").
 *
 * Every validator in core (features, tensors, preprocessing) says what it *got* the same way, so a client sees one
 * style of message whichever path rejected the request.
 *
 * @example
 * ```ts
 * describeValue("12");          // 'string "12"'
 * describeValue(Number.NaN);    // "NaN"
 * describeValue([1, 2]);        // "an array"
 * listNames(["a", "b", "c"]);   // "a, b, c"
 * ```
 */

const MAX_STRING = 40;
const MAX_NAMES = 20;

/** Describe a value as it appears in an error message; long strings are cut so one bad field cannot flood a log. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string": {
      const shown = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
      return `string ${JSON.stringify(shown)}`;
    }
    case "number":
      return Number.isFinite(value) ? `number ${value}` : String(value);
    case "boolean":
      return `boolean ${value}`;
    case "bigint":
      return `bigint ${value}`;
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

/** Join names for a "one of ..." list, cut after 20 so a 500-category feature still gives a readable message. */
export function listNames(names: readonly (string | number)[]): string {
  if (names.length <= MAX_NAMES) return names.join(", ");
  return `${names.slice(0, MAX_NAMES).join(", ")}, … (${names.length - MAX_NAMES} more)`;
}

/** Format a tensor shape for messages: `[batch, 4]`, with null dims shown as `?`. */
export function formatShape(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? "?" : String(d))).join(", ")}]`;
}
