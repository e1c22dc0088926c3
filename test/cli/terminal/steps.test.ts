import { afterEach, describe, expect, it, vi } from "vitest";
import { createSteps } from "../../../cli/terminal/steps.ts";

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => written.join("") };
}

describe("build/deploy progress on stderr", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("not a terminal: one plain line per step, a child's output line by line, colour codes removed", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    const { stream, text } = fakeStream(false);
    const steps = createSteps(stream);
    await steps.around(async () => {
      steps.start("building titanic@1.0.0 for worker");
      steps.start("worker deploy (dry run)");
      steps.output("\u001b[31m✘ [ERROR]\u001b[0m half a li");
      steps.output("ne\nTotal Upload: 14 KiB\nno newline at the end");
    });
    expect(lines).toEqual([
      "› building titanic@1.0.0 for worker",
      "› worker deploy (dry run)",
      "  │ ✘ [ERROR] half a line",
      "  │ Total Upload: 14 KiB",
      "  │ no newline at the end",
    ]);
    expect(text()).toBe("");
  });

  it("a terminal: a spinner line that ends as ✔ with the time, or is left as it is when the work fails", async () => {
    vi.stubEnv("NO_COLOR", "1");
    const { stream, text } = fakeStream(true);
    const steps = createSteps(stream);
    steps.start("building");
    await steps.around(async () => {});
    // "<clear>" stands for the erase-line code, so the pattern needs no control characters.
    expect(text().replaceAll("\u001b[K", "<clear>")).toMatch(/^\r⠋ building 0\.\d s<clear>\r<clear>✔ building \(0\.\d s\)\n$/);
    const failing = fakeStream(true);
    const other = createSteps(failing.stream);
    other.start("wrangler deploy");
    await expect(other.around(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(failing.text()).not.toContain("✔");
    expect(failing.text().endsWith("\n")).toBe(true);
  });
});
