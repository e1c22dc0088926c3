/**
 * Progress of a multi-step command (build, deploy) on stderr: on a terminal a spinner with the elapsed time that
 * turns into "✔ step (1.2 s)"; in a pipe or a log one plain line per step. Output of a child process (wrangler) is
 * streamed between the steps line by line, indented, as it arrives.
 *
 * @example
 * ```ts
 * const steps = createSteps();
 * steps.start("building titanic@1.0.0 for worker");
 * steps.output("Total Upload: 14025.61 KiB\n");
 * steps.done();
 * ```
 */
import { colorEnabled, colors, stripAnsi } from "./output.ts";

export interface Steps {
  start(label: string): void;
  /** A chunk of a child's output; complete lines are printed, the rest waits for its newline. */
  output(chunk: string): void;
  done(): void;
  /** Stop the spinner (on errors), leaving the step's line as it is. */
  stop(): void;
  /** Run `work`, then mark the current step done, or stopped if `work` throws. */
  around<T>(work: () => Promise<T>): Promise<T>;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function createSteps(stream: NodeJS.WriteStream = process.stderr): Steps {
  const c = colors(stream);
  const tty = stream.isTTY === true;
  let label = "";
  let started = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let frame = 0;
  let partial = "";
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const draw = () => stream.write(`\r${c.dim(FRAMES[frame++ % FRAMES.length] ?? "")} ${label} ${c.dim(elapsed())}\x1b[K`);
  const clear = () => tty && stream.write("\r\x1b[K");
  const line = (text: string) => {
    if (tty) {
      clear();
      stream.write(`${c.dim(`  │ ${text}`)}\n`);
      if (timer) draw();
    } else console.error(`  │ ${text}`);
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (partial.trim() !== "") line(partial);
    partial = "";
  };
  const steps: Steps = {
    start(next) {
      if (timer) steps.done();
      label = next;
      started = Date.now();
      if (!tty) return void console.error(`› ${label}`);
      draw();
      timer = setInterval(draw, 100);
      timer.unref();
    },
    output(chunk) {
      const lines = (partial + (colorEnabled(stream) ? chunk : stripAnsi(chunk))).split(/\r?\n/);
      partial = lines.pop() ?? "";
      for (const l of lines) if (l.trim() !== "") line(l);
    },
    done() {
      const wasRunning = timer !== undefined;
      stop();
      if (tty && wasRunning) {
        clear();
        stream.write(`${c.green("✔")} ${label} ${c.dim(`(${elapsed()})`)}\n`);
      }
    },
    stop() {
      const wasRunning = timer !== undefined;
      stop();
      if (tty && wasRunning) stream.write("\n");
    },
    async around(work) {
      try {
        const result = await work();
        steps.done();
        return result;
      } catch (error) {
        steps.stop();
        throw error;
      }
    },
  };
  return steps;
}
