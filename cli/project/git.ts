/** Lineage from git: the commit of the repository the command runs in, and whether the work tree is dirty. */
import { execFileSync } from "node:child_process";

export function gitState(cwd: string): { commit: string; dirty: boolean } | null {
  try {
    const run = (args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const commit = run(["rev-parse", "HEAD"]);
    const dirty = run(["status", "--porcelain", "--untracked-files=no"]) !== "";
    return { commit, dirty };
  } catch {
    // Not a git repository, git missing, or no commit yet: lineage records that honestly as null.
    return null;
  }
}
