/**
 * Which data rows have an anomaly, at one bit a row: the exact count of bad rows however many cells each has
 * (10 million rows: 1.25 MB), where a Set of row numbers would cost ~50 bytes a row.
 *
 * @example
 * ```ts
 * const marks = createRowMarks(); marks.mark(3); marks.mark(3); marks.count; // 1
 * ```
 */
export function createRowMarks() {
  let bits = new Uint8Array(1 << 12);
  let count = 0;
  return {
    mark(row: number) {
      if (row >> 3 >= bits.length) {
        const grown = new Uint8Array(Math.max(bits.length * 2, (row >> 3) + 1));
        grown.set(bits);
        bits = grown;
      }
      const mask = 1 << (row & 7);
      if (((bits[row >> 3] ?? 0) & mask) === 0) count++;
      bits[row >> 3] = (bits[row >> 3] ?? 0) | mask;
    },
    get count() {
      return count;
    },
  };
}
