/**
 * The one capped issue list. A batch of 256 rows with one bad column, or a tensor of a million strings, must still give
 * a readable error: the first `MAX_ISSUES` issues are listed and one closing issue says how many more there were (or,
 * when the walk stopped early to save work, that there were more).
 *
 * @example
 * ```ts
 * const issues = new IssueList();
 * issues.add("instances[0].age", "expected a number, got string \"12\"");
 * if (issues.full) return; // a long walk may stop here (construct with { stopsWhenFull: true })
 * throw badRequest(issues.toArray());
 * ```
 */
import type { Issue } from "./errors.ts";

/** Past this many issues an error lists the first ones and a count. */
export const MAX_ISSUES = 100;

/** The closing issue of a capped list; `more` is undefined when the producer stopped counting. */
function moreIssues(more: number | undefined): Issue {
  const what = more === undefined ? "more issues" : `${more} more issue${more === 1 ? "" : "s"}`;
  return { path: "(root)", message: `… and ${what} after the first ${MAX_ISSUES}; fix these and send again` };
}

/** Cap an already complete list (`total` when the caller counted more than it kept). */
export function capIssues(issues: readonly Issue[], total = issues.length): Issue[] {
  const kept = issues.slice(0, MAX_ISSUES);
  return total > kept.length ? [...kept, moreIssues(total - kept.length)] : kept;
}

/** Collects issues up to the cap and counts the rest; `full` lets a walk over a huge input stop early. */
export class IssueList {
  readonly list: Issue[] = [];
  private total = 0;

  /** `stopsWhenFull`: the producer stops walking once `full`, so the count past the cap is unknown. */
  constructor(private readonly opts: { stopsWhenFull?: boolean } = {}) {}

  get count(): number {
    return this.total;
  }

  /** True once there is at least one issue past the cap. */
  get full(): boolean {
    return this.total > MAX_ISSUES;
  }

  add(path: string, message: string): void {
    this.total++;
    if (this.list.length < MAX_ISSUES) this.list.push({ path, message });
  }

  toArray(): Issue[] {
    if (this.total <= this.list.length) return this.list;
    return [...this.list, moreIssues(this.opts.stopsWhenFull ? undefined : this.total - this.list.length)];
  }
}
