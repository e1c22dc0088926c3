/** The one HTTP error vocabulary: one renderer for edge and monitor, one capped issue list, one code per condition. */
import { describe, expect, it } from "vitest";
import { ApiError, HTTP_ERROR_CODES, renderHttpError } from "../../core/http-error.ts";
import { capIssues, IssueList, MAX_ISSUES } from "../../core/issues.ts";
import { MonitorError } from "../../monitor/http-error.ts";
import { HttpError } from "../../runtime/http-error.ts";

describe("core/http-error.ts", () => {
  it("edge and monitor errors render the same shape through the one renderer", () => {
    const issues = [{ path: "instances[0].age", message: "expected a number" }];
    const edge = new HttpError(400, "INVALID_INPUT", "invalid input", { issues, hint: "fix it" });
    const monitor = new MonitorError(400, "INVALID_BODY", "invalid input", { issues, hint: "fix it" });
    expect(edge).toBeInstanceOf(ApiError);
    expect(monitor).toBeInstanceOf(ApiError);
    expect(edge.toJSON()).toEqual({ error: { code: "INVALID_INPUT", message: "invalid input", issues, hint: "fix it" } });
    expect(monitor.toJSON().error).toEqual({ ...edge.toJSON().error, code: "INVALID_BODY" });
    expect(renderHttpError("NOT_FOUND", "no route", { issues: [] })).toEqual({ error: { code: "NOT_FOUND", message: "no route" } });
  });

  it("one code for a body that is not JSON, on both servers", () => {
    expect(Object.keys(HTTP_ERROR_CODES).filter((c) => c.includes("JSON"))).toEqual(["INVALID_JSON"]);
  });

  it("caps what it renders, whoever built the list", () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ path: `instances[${i}]`, message: "bad" }));
    const rendered = renderHttpError("INVALID_INPUT", "bad", { issues: many }).error.issues!;
    expect(rendered).toHaveLength(MAX_ISSUES + 1);
    expect(rendered.at(-1)).toEqual({ path: "(root)", message: "… and 50 more issues after the first 100; fix these and send again" });
  });
});

describe("core/issues.ts", () => {
  it("capIssues keeps a short list as it is and counts what it drops", () => {
    expect(capIssues([{ path: "a", message: "m" }])).toEqual([{ path: "a", message: "m" }]);
    expect(capIssues([{ path: "a", message: "m" }], 2).at(-1)!.message).toBe("… and 1 more issue after the first 100; fix these and send again");
  });

  it("an IssueList that stops walking when full says 'more' instead of a count it does not know", () => {
    const list = new IssueList({ stopsWhenFull: true });
    for (let i = 0; !list.full; i++) list.add(`x[${i}]`, "bad");
    expect(list.toArray().at(-1)!.message).toBe("… and more issues after the first 100; fix these and send again");
    const counted = new IssueList();
    for (let i = 0; i < 120; i++) counted.add(`x[${i}]`, "bad");
    expect(counted.toArray().at(-1)!.message).toBe("… and 20 more issues after the first 100; fix these and send again");
  });
});
