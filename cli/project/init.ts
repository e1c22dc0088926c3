/** `edge-ml init`: copy templates/init into a new folder, filling in the project name. */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { PACKAGE_ROOT } from "./project.ts";

export function initProject(target: string): { dir: string; files: string[] } {
  const dir = resolve(target);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new EdgeMlError("ERR_USAGE", `${target} already exists and is not empty`, { hint: "pick a new folder name, or empty this one first" });
  }
  const name =
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "edge-ml-project";
  cpSync(join(PACKAGE_ROOT, "templates", "init"), dir, { recursive: true });
  // npm strips files named .gitignore from packages, so the template is called "gitignore".
  renameSync(join(dir, "gitignore"), join(dir, ".gitignore"));
  for (const file of ["wrangler.toml", "README.md"]) {
    const path = join(dir, file);
    writeFileSync(path, readFileSync(path, "utf8").replaceAll("__NAME__", name));
  }
  return { dir, files: ["edge-ml.config.ts", "wrangler.toml", "README.md", ".gitignore", "models/"] };
}
