import { afterEach, describe, expect, it, vi } from "vitest";
import { EdgeMlError } from "../../../core/errors.ts";
import { UsageError } from "../../../cli/terminal/errors.ts";
import { printError } from "../../../cli/terminal/output.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((s: string) => void out.push(s));
  vi.spyOn(console, "error").mockImplementation((s: string) => void err.push(s));
  return { out, err };
}

describe("exit codes: 1 user error, 2 usage error, 70 internal error", () => {
  afterEach(() => vi.restoreAllMocks());

  it("each kind of error gets its code, text on stderr", () => {
    const { out, err } = capture();
    expect(printError(new EdgeMlError("ERR_MODEL_NOT_FOUND", "no such model", { hint: "models list" }))).toBe(1);
    expect(printError(new UsageError("--x needs a value"))).toBe(2);
    expect(printError(new Error("boom"))).toBe(70);
    expect(printError(new EdgeMlError("ERR_BUILD", "esbuild crashed"))).toBe(70);
    expect(out).toEqual([]);
    expect(err[0]).toBe("✖ no such model\n  hint: models list");
    expect(err[2]).toMatch(/^✖ internal error ERR_INTERNAL\nError: boom\n {4}at /);
  });

  it("under --json the error document goes to stdout; an internal error's stack still goes to stderr", () => {
    const { out, err } = capture();
    expect(printError(new Error("boom"), { json: true })).toBe(70);
    expect(JSON.parse(out[0] ?? "")).toEqual({ error: { code: "ERR_INTERNAL", message: "boom", issues: [], hint: null } });
    expect(err[0]).toContain("Error: boom");
    expect(printError(new EdgeMlError("ERR_BAD_DATA", "bad row", { issues: [{ path: "rows[3]", message: "ragged" }] }), { json: true })).toBe(1);
    expect(JSON.parse(out[1] ?? "")).toEqual({
      error: { code: "ERR_BAD_DATA", message: "bad row", issues: [{ path: "rows[3]", message: "ragged" }], hint: null },
    });
    expect(err).toHaveLength(1);
  });
});
