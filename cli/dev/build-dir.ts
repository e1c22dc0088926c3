/**
 * Where `edge-ml dev` builds what it serves: `.edge-ml/dev/<name>.pid<pid>/`, a folder of its own per running dev.
 * Two devs of one model (two terminals, two monitors) once shared one folder: the second's build emptied it while the
 * first was reading it ("ENOENT … build.json", or a Node server losing a lazily imported chunk). A dev removes its
 * folder when it stops; folders of devs that did not stop cleanly (their process is gone) are removed by the next.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const OWNED = /\.pid(\d+)$/;

/** This process's build folder for `name` under `<root>/.edge-ml/dev`, after removing the folders of dead devs. */
export function devBuildDir(root: string, name: string): string {
  const parent = join(root, ".edge-ml", "dev");
  mkdirSync(parent, { recursive: true });
  for (const entry of readdirSync(parent)) {
    const pid = OWNED.exec(entry)?.[1];
    if (pid !== undefined && !running(Number(pid))) rmSync(join(parent, entry), { recursive: true, force: true });
  }
  return join(parent, `${name}.pid${process.pid}`);
}

/** Whether a process with this id exists (EPERM: it does, under another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
