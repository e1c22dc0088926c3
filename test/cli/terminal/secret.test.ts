import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { UsageError } from "../../../cli/terminal/errors.ts";
import { readSecret } from "../../../cli/terminal/secret.ts";
import { closest, editDistance } from "../../../cli/terminal/suggest.ts";
import { runCli } from "../../helpers/cli.ts";
import { tempDir } from "../../helpers/tmp.ts";

describe("readSecret: env, file or stdin; argv only with a warning", () => {
  const dir = tempDir();
  const base = { flag: "token", env: "EDGE_ML_MONITOR_TOKEN", environment: {} };

  it("reads a file (trailing newline dropped), stdin with --token-file - or --token -, and the environment", async () => {
    writeFileSync(join(dir, "t"), "emt_file\n");
    expect(await readSecret({ ...base, file: join(dir, "t") })).toBe("emt_file");
    expect(await readSecret({ ...base, file: "-", stdin: Readable.from(["emt_", "stdin\n"]) })).toBe("emt_stdin");
    expect(await readSecret({ ...base, value: "-", stdin: Readable.from(["emt_dash"]) })).toBe("emt_dash");
    expect(await readSecret({ ...base, environment: { EDGE_ML_MONITOR_TOKEN: "emt_env" } })).toBe("emt_env");
    expect(await readSecret(base)).toBeUndefined();
  });

  it("a flag wins over the environment; a value on argv works but warns that ps shows it", async () => {
    const warnings: string[] = [];
    const token = await readSecret({ ...base, value: "emt_argv", environment: { EDGE_ML_MONITOR_TOKEN: "emt_env" }, warn: (m) => warnings.push(m) });
    expect(token).toBe("emt_argv");
    expect(warnings).toMatchInlineSnapshot(`
      [
        "--token puts the secret in shell history and in \`ps\` for every user of this machine; use $EDGE_ML_MONITOR_TOKEN, --token-file <path> or --token-file - (stdin)",
      ]
    `);
  });

  it("a missing or empty file, or both forms at once, are usage errors", async () => {
    await expect(readSecret({ ...base, file: join(dir, "nope") })).rejects.toThrow(/cannot read --token-file .*nope \(ENOENT\)/);
    writeFileSync(join(dir, "empty"), "\n");
    await expect(readSecret({ ...base, file: join(dir, "empty") })).rejects.toBeInstanceOf(UsageError);
    await expect(readSecret({ ...base, file: join(dir, "t"), value: "x" })).rejects.toThrow("--token and --token-file both give the token");
  });
});

describe("commands that take a token", () => {
  it("replay --feedback without a token says where a token comes from (never asking for it on argv)", async () => {
    vi.stubEnv("EDGE_ML_MONITOR_TOKEN", undefined);
    const r = await runCli(
      ["replay", "rows.csv", "--url", "http://127.0.0.1:9", "--model", "m", "--feedback", "http://127.0.0.1:9", "--label", "y"],
      tempDir(),
    );
    vi.unstubAllEnvs();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatchInlineSnapshot(`
      "✖ --feedback needs the deployment's ingest token ($EDGE_ML_MONITOR_TOKEN or --token-file)
        hint: e.g. EDGE_ML_MONITOR_TOKEN=... npx edge-ml replay ... --feedback http://127.0.0.1:8788 --label survived (or --token-file <file>)"
    `);
  });

  it("--token <value> still works but warns on stderr", async () => {
    const r = await runCli(
      ["replay", "nope.csv", "--url", "http://127.0.0.1:9", "--model", "m", "--feedback", "http://127.0.0.1:9", "--label", "y", "--token", "emt_x"],
      tempDir(),
    );
    expect(r.stderr.split("\n")[0]).toBe(
      "! --token puts the secret in shell history and in `ps` for every user of this machine; use $EDGE_ML_MONITOR_TOKEN, --token-file <path> or --token-file - (stdin)",
    );
  });
});

describe("did you mean", () => {
  it("counts a swapped pair as one edit and ignores separators", () => {
    expect(editDistance("modles", "models")).toBe(1);
    expect(editDistance("taget", "target")).toBe(1);
    expect(closest("--dryrun", ["--dry-run", "--force", "--reason"])).toBe("--dry-run");
    expect(closest("--taget", ["--target", "--out", "--json"])).toBe("--target");
    expect(closest("frobnicate", ["init", "models", "data"])).toBeUndefined();
    expect(closest("js", ["json"])).toBeUndefined();
    expect(closest("--max", ["--max-null-rate", "--max-distinct"])).toBeUndefined();
    expect(closest("--max-null", ["--max-null-rate", "--max-distinct"])).toBe("--max-null-rate");
  });
});
