/**
 * A progress bar on stderr for long passes over a file: shown only when stderr is a terminal and the work has taken
 * more than a second (short runs and piped output stay clean), redrawn at most ten times a second, erased at the end.
 *
 * @example
 * ```ts
 * const progress = createProgress("validating eval.csv", statSync(file).size);
 * for await (const row of rows) progress.update(csv.bytesRead(), ++n);
 * progress.done();
 * ```
 */
import { formatBytes } from "./output.ts";

export interface Progress {
  update(bytes: number, rows: number): void;
  done(): void;
}

const WIDTH = 24;

export function createProgress(label: string, totalBytes: number, stream: NodeJS.WriteStream = process.stderr, delayMs = 1000): Progress {
  const start = Date.now();
  let last = 0;
  let shown = false;
  if (stream.isTTY !== true) return { update() {}, done() {} };
  return {
    update(bytes, rows) {
      const now = Date.now();
      if (now - start < delayMs || now - last < 100) return;
      last = now;
      shown = true;
      const share = totalBytes > 0 ? Math.min(bytes / totalBytes, 1) : 0;
      const filled = Math.round(share * WIDTH);
      const rate = rows / ((now - start) / 1000);
      stream.write(
        `\r${label} [${"#".repeat(filled)}${" ".repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${formatBytes(bytes)}/${formatBytes(totalBytes)}  ${rows.toLocaleString("en-US")} rows (${Math.round(rate).toLocaleString("en-US")}/s)\x1b[K`,
      );
    },
    done() {
      if (shown) stream.write("\r\x1b[K");
    },
  };
}
