/** Run the CLI in-process in a folder and capture what it prints (colors are off: stdout/stderr are not TTYs). */
import { vi } from "vitest";
import { main } from "../../cli/index.ts";

export async function runCli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  const before = process.cwd();
  const exitCode = process.exitCode;
  process.chdir(cwd);
  try {
    const code = await main(args);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    process.chdir(before);
    process.exitCode = exitCode;
    log.mockRestore();
    error.mockRestore();
  }
}
