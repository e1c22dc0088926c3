/**
 * `features push --remote [--env]` on the command line: its help, and the refusals that happen before anything is
 * written to Cloudflare (flags that do not go together, a view without a Cloudflare store, stores the config does not
 * name). The writes themselves go through the real wrangler in test/integration/deploy-features.test.ts.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.ts";
import { tempDir } from "../../helpers/tmp.ts";

function project(): string {
  const root = tempDir();
  writeFileSync(
    join(root, "edge-ml.config.json"),
    JSON.stringify({
      targets: { worker: { name: "shop", env: { staging: {} } } },
      featureViews: {
        customer: { key: "customer_id", features: ["plan"], store: "kv" },
        local: { key: "id", features: ["x"], store: "memory" },
      },
    }),
  );
  writeFileSync(join(root, "c.csv"), "customer_id,plan\nc1,pro\n");
  writeFileSync(join(root, "l.csv"), "id,x\na,1\n");
  return root;
}

describe("features push --remote", () => {
  const root = project();

  it("help names --remote and --env", async () => {
    const r = await runCli(["features", "push", "--help"], root);
    expect(r.stdout.split("\n").filter((l) => /--(remote|env|dry-run)/.test(l))).toMatchInlineSnapshot(`
      [
        "  --dry-run         read, check and sort the file, show what would be written; write nothing",
        "  --remote          then write the view's latest values to its Cloudflare store (targets.worker.features), as deploy does",
        "  --env <name>      with --remote: the stores of targets.worker.env.<name>.features",
      ]
    `);
  });

  it("--env goes with --remote, and --remote not with --dry-run (exit 2, nothing pushed)", async () => {
    const env = await runCli(["features", "push", "customer", "c.csv", "--env", "staging"], root);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatchInlineSnapshot(`"✖ --env goes with --remote: it picks the environment's Cloudflare stores"`);
    const dry = await runCli(["features", "push", "customer", "c.csv", "--remote", "--dry-run"], root);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toMatchInlineSnapshot(`
      "✖ --remote writes what the local push stored, and a dry run stores nothing
        hint: drop --remote to see what the file holds; \`npx edge-ml deploy <model> --dry-run\` shows what the remote stores would get"
    `);
  });

  it("a view without a Cloudflare store, or stores the config does not name, are refused with the key to add", async () => {
    const memory = await runCli(["features", "push", "local", "l.csv", "--remote"], root);
    expect(memory.code).toBe(1);
    expect(memory.stderr).toMatchInlineSnapshot(`
      "✖ --remote writes a Cloudflare store; view "local" is store "memory", which has none
        hint: push without --remote (the memory snapshot is read from .edge-ml/features/local/latest.jsonl), or set the view's store to "kv" or "d1""
    `);
    const missing = await runCli(["features", "push", "customer", "c.csv", "--remote", "--env", "staging"], root);
    expect(missing.code).toBe(1);
    // Refused before the local push: nothing was written there either.
    expect(existsSync(join(root, ".edge-ml"))).toBe(false);
    expect(missing.stderr).toMatchInlineSnapshot(`
      "✖ view "customer" has no Cloudflare store named in edge-ml.config.ts
        • targets.worker.env.staging.features.kvNamespaceId: view customer (store "kv") needs a KV namespace bound as EDGE_ML_FEATURES_KV: create one with \`npx wrangler kv namespace create edge-ml-features-staging\` and set its id here
        hint: add it under targets.worker.env.staging.features, then push again with --remote (nothing was pushed)"
    `);
  });
});
