import { cpSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../helpers/cli.ts";
import { REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

/** A project with the repository's example model; nothing in these tests gets far enough to build it. */
function project(): string {
  const dir = tempDir();
  cpSync(join(REPO_ROOT, "models", "titanic"), join(dir, "models", "titanic"), { recursive: true });
  return dir;
}

describe("strict command lines: unknown flags and commands are usage errors (exit 2) with a suggestion", () => {
  const dir = project();

  it("deploy --dryrun names --dry-run and deploys nothing", async () => {
    const r = await runCli(["deploy", "titanic@1.0.0", "--dryrun", "--force", "--reason", "x"], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatchInlineSnapshot(`
      "✖ unknown flag --dryrun for edge-ml deploy (did you mean --dry-run?)
        hint: npx edge-ml deploy --help lists its arguments"
    `);
  });

  it("build --taget names --target", async () => {
    const r = await runCli(["build", "x", "--taget", "browser"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatchInlineSnapshot(`
      "✖ unknown flag --taget for edge-ml build (did you mean --target?)
        hint: npx edge-ml build --help lists its arguments"
    `);
  });

  it("an unknown command, at the top or in a family, suggests the closest one", async () => {
    const top = await runCli(["modles", "list"], dir);
    expect(top.code).toBe(2);
    expect(top.stderr).toMatchInlineSnapshot(`
      "✖ unknown command "modles" for edge-ml (did you mean models?)
        hint: edge-ml has: init, models, data, features, validate, optimize, build, dev, deploy, rollout, monitor, replay; see \`npx edge-ml --help\`"
    `);
    const nested = await runCli(["monitor", "token", "craete", "x"], dir);
    expect(nested.code).toBe(2);
    expect(nested.stderr.split("\n")[0]).toBe('✖ unknown command "craete" for edge-ml monitor token (did you mean create?)');
    const far = await runCli(["frobnicate"], dir);
    expect(far.stderr.split("\n")[0]).toBe('✖ unknown command "frobnicate" for edge-ml');
  });

  it("too many positionals, missing ones, missing values and repeated flags are usage errors", async () => {
    const extra = await runCli(["models", "show", "titanic@1.0.0", "extra"], dir);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatchInlineSnapshot(`
      "✖ unexpected argument "extra" for edge-ml models show
        hint: edge-ml models show takes <ref>; quote values with spaces, and put flags' values right after them"
    `);
    const missing = await runCli(["models", "show"], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split("\n")[0]).toBe("✖ edge-ml models show needs <ref>: name@version, name@alias or name");
    const required = await runCli(["models", "add", "m.onnx", "--name", "m"], dir);
    expect(required.stderr.split("\n")[0]).toBe("✖ edge-ml models add needs --version: semantic version, e.g. 1.0.0");
    const noValue = await runCli(["build", "titanic@1.0.0", "--target"], dir);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr.split("\n")[0]).toBe("✖ --target needs a value");
    const twice = await runCli(["build", "titanic@1.0.0", "--target", "deno", "--target", "worker"], dir);
    expect(twice.code).toBe(2);
    expect(twice.stderr.split("\n")[0]).toBe("✖ --target is given 2 times");
    const switchValue = await runCli(["models", "list", "--json=yes"], dir);
    expect(switchValue.stderr.split("\n")[0]).toBe('✖ --json is a switch: it takes no value (got "yes")');
    const family = await runCli(["models"], dir);
    expect(family.code).toBe(2);
    expect(family.stderr).toContain("✖ edge-ml models needs a command: add, list, show, alias");
  });

  it("accepts what citty accepts: --flag=value, --no-<switch>, camelCase, repeatable flags, -- before positionals", async () => {
    expect((await runCli(["models", "list", "--json=true"], dir)).code).toBe(0);
    expect((await runCli(["models", "list", "--no-json"], dir)).code).toBe(0);
    expect((await runCli(["models", "show", "--json", "--", "titanic@1.0.0"], dir)).code).toBe(0);
    // Flags before the command words and --debug anywhere.
    expect((await runCli(["--debug", "models", "list"], dir)).code).toBe(0);
    // Repeatable flags pass the check (validate then fails on the missing file: a user error, exit 1).
    const repeat = await runCli(["validate", "titanic@1.0.0", "--data", "nope.csv", "--slice", "sex", "--slice=passengerClass"], dir);
    expect(repeat.code).toBe(1);
    expect(repeat.stderr).toContain("nope.csv");
  });

  it("`help <command>` is `<command> --help`", async () => {
    const r = await runCli(["help", "models", "add"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[2]).toBe("Usage: edge-ml models add <model> [flags]");
  });

  it("a bad flag value is a usage error with the closest allowed value", async () => {
    const r = await runCli(["build", "titanic@1.0.0", "--target", "browse"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe("✖ --target browse is not allowed (did you mean browser?)");
    expect(r.stderr).toMatch(/hint: Should be one of: worker, deno, browser/);
  });
});

describe("no colour codes outside a terminal or with NO_COLOR", () => {
  const dir = project();
  const tty = { out: process.stdout.isTTY, err: process.stderr.isTTY };
  afterEach(() => {
    process.stdout.isTTY = tty.out;
    process.stderr.isTTY = tty.err;
    vi.unstubAllEnvs();
  });
  // The escape that starts every ANSI colour code.
  const ansi = "\u001b[";

  it("on a terminal errors and help are coloured, so the checks below are not vacuous", async () => {
    vi.stubEnv("NO_COLOR", undefined);
    vi.stubEnv("TERM", "xterm");
    process.stdout.isTTY = true;
    process.stderr.isTTY = true;
    expect((await runCli(["modles"], dir)).stderr).toContain(ansi);
    expect((await runCli(["--help"], dir)).stdout).toContain(ansi);
  });

  it("NO_COLOR on a terminal: no ANSI codes in usage errors, help or results", async () => {
    vi.stubEnv("NO_COLOR", "1");
    process.stdout.isTTY = true;
    process.stderr.isTTY = true;
    const r = await runCli(["deploy", "titanic@1.0.0", "--dryrun"], dir);
    expect(r.stderr).toContain("--dry-run");
    expect(r.stderr).not.toContain(ansi);
    expect((await runCli(["--help"], dir)).stdout).not.toContain(ansi);
    expect((await runCli(["models", "show", "titanic@1.0.0"], dir)).stdout).not.toContain(ansi);
  });

  it("one decision per stream: stderr piped, stdout a terminal", async () => {
    vi.stubEnv("NO_COLOR", undefined);
    vi.stubEnv("TERM", "xterm");
    process.stdout.isTTY = true;
    process.stderr.isTTY = false;
    const r = await runCli(["modles"], dir);
    expect(r.stderr).toContain("did you mean models?");
    expect(r.stderr).not.toContain(ansi);
    expect((await runCli(["models", "--help"], dir)).stdout).toContain(ansi);
  });
});
