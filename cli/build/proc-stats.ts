/**
 * Resident memory, CPU time and age of a child process, read from Linux's /proc (VmRSS; utime + stime; starttime):
 * how `measureWorker` weighs and times workerd. Elsewhere (macOS, Windows) both are reported as unavailable rather than guessed.
 *
 * @example
 * ```ts
 * const before = descendantPids("workerd");
 * const server = await serveWorker(dir);
 * const [pid] = descendantPids("workerd").filter((p) => !before.includes(p));
 * residentBytes(pid); // 131_072_000, or null off Linux
 * cpuMs(pid); // 1_240 (every thread: wasm compiles on background threads too), or null
 * ```
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** Whether this machine has the /proc files these functions read (Linux). */
export const PROC_STATS = process.platform === "linux" && existsSync("/proc/self/status");

/** Ids of this process's descendants (children, grandchildren ...) whose command name is `name`; [] off Linux. */
export function descendantPids(name: string, root: number = process.pid): number[] {
  if (!PROC_STATS) return [];
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    const stat = /^\d+$/.test(entry) ? readStat(Number(entry)) : undefined;
    if (!stat) continue;
    names.set(Number(entry), stat.comm);
    parents.set(Number(entry), Number(stat.fields[1]));
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid), hops = 0; p !== undefined && p > 0 && hops < 64; p = parents.get(p), hops++) if (p === root) return true;
    return false;
  };
  return [...names].filter(([pid, comm]) => comm === name && isDescendant(pid)).map(([pid]) => pid);
}

/** VmRSS of a process in bytes, or null when it cannot be read (off Linux, or the process is gone). */
export function residentBytes(pid: number): number | null {
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readText(`/proc/${pid}/status`) ?? "")?.[1];
  return kb === undefined ? null : Number(kb) * 1024;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, all threads) a process has used so far, in ms; null when it cannot be read. */
export function cpuMs(pid: number): number | null {
  const fields = readStat(pid)?.fields;
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat (11 and 12 after "pid (comm) ").
  const ticks = fields ? Number(fields[11]) + Number(fields[12]) : Number.NaN;
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
}

/** How long ago a process was spawned, in ms (±20 ms: both clocks count in 1/100 s); null when it cannot be read. */
export function ageMs(pid: number): number | null {
  const fields = readStat(pid)?.fields;
  const uptime = Number(readText("/proc/uptime")?.split(" ")[0]);
  // starttime is field 22: clock ticks after boot.
  const started = fields ? Number(fields[19]) / TICKS_PER_SECOND : Number.NaN;
  return Number.isFinite(started) && Number.isFinite(uptime) ? Math.max(0, (uptime - started) * 1000) : null;
}

/** /proc/<pid>/stat: "pid (comm) state ppid ...", split at the last ")" since comm may hold spaces and parentheses. */
function readStat(pid: number): { comm: string; fields: string[] } | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  const close = stat?.lastIndexOf(")") ?? -1;
  return stat && close >= 0 ? { comm: stat.slice(stat.indexOf("(") + 1, close), fields: stat.slice(close + 2).split(" ") } : undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process ended between listing and reading
  }
}
