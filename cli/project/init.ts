/**
 * `edge-ml init`: copy templates/init into a new folder, filling in the project name (which is also the project's
 * Worker name, in edge-ml.config.ts and wrangler.jsonc alike), and write a package.json with edge-ml and wrangler.
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { COMPATIBILITY_DATE } from "../../targets/worker/wrangler-config.ts";
import { PACKAGE_ROOT, PACKAGE_VERSION } from "./project.ts";

/** Files init writes, in the order it reports them. */
const INIT_FILES = ["edge-ml.config.ts", "package.json", "wrangler.jsonc", "README.md", ".gitignore", "models/"];

export function initProject(target: string): { dir: string; name: string; files: string[] } {
  const dir = resolve(target);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new EdgeMlError("ERR_BAD_INPUT", `${target} already exists and is not empty`, { hint: "pick a new folder name, or empty this one first" });
  }
  const name =
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "edge-ml-project";
  cpSync(join(PACKAGE_ROOT, "templates", "init"), dir, { recursive: true });
  // npm strips files named .gitignore from packages, so the template is called "gitignore".
  renameSync(join(dir, "gitignore"), join(dir, ".gitignore"));
  for (const file of ["edge-ml.config.ts", "wrangler.jsonc", "README.md"]) {
    const path = join(dir, file);
    writeFileSync(path, readFileSync(path, "utf8").replaceAll("{{name}}", name).replaceAll("{{compatibility_date}}", COMPATIBILITY_DATE));
  }
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(projectPackageJson(name), null, 2)}\n`);
  return { dir, name, files: INIT_FILES };
}

/** The new project's package.json: edge-ml at this version and the wrangler range this package accepts. */
function projectPackageJson(name: string): Record<string, unknown> {
  const own = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as Partial<Record<string, Record<string, string>>>;
  const wrangler = own["peerDependencies"]?.["wrangler"] ?? own["dependencies"]?.["wrangler"] ?? own["devDependencies"]?.["wrangler"] ?? "^4";
  return {
    name,
    private: true,
    type: "module",
    scripts: {
      // A model reference follows: `npm run dev -- my-model@1.0.0`.
      dev: "edge-ml dev",
      build: "edge-ml build",
      validate: "edge-ml validate",
      deploy: "edge-ml deploy",
    },
    devDependencies: { "edge-ml": `^${PACKAGE_VERSION}`, wrangler },
  };
}
