/** The monitor's one JSON-body reader (monitor/json-body.ts), through app.request(): no server needed. */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { MonitorError } from "../../monitor/http-error.ts";
import { jsonBody } from "../../monitor/json-body.ts";

const Rule = z.strictObject({ name: z.string().min(1), params: z.strictObject({ max: z.number().max(1) }) });

function app() {
  const a = new Hono();
  a.onError((err, c) => (err instanceof MonitorError ? c.json(err.toJSON(), err.status) : c.json({ bug: String(err) }, 500)));
  a.post("/rules", jsonBody(Rule, { code: "INVALID_RULE", what: "alert rule", maxBytes: 200, hint: "see the docs" }), (c) => c.json({ got: c.get("body") }));
  return a;
}

const post = (body: string, type = "application/json") => app().request("/rules", { method: "POST", headers: { "content-type": type }, body });

describe("jsonBody", () => {
  it("hands the route the parsed, typed body", async () => {
    const res = await post(JSON.stringify({ name: "x", params: { max: 0.5 } }), "application/json; charset=utf-8");
    expect(await res.json()).toEqual({ got: { name: "x", params: { max: 0.5 } } });
  });

  it("answers 415, 413 and 400 INVALID_JSON in the monitor's error shape", async () => {
    const wrongType = await post("{}", "text/plain");
    expect(wrongType.status).toBe(415);
    expect(await wrongType.json()).toEqual({
      error: { code: "UNSUPPORTED_MEDIA_TYPE", message: "expected application/json, got text/plain", hint: "send Content-Type: application/json" },
    });
    const big = await post(JSON.stringify({ name: "x".repeat(300), params: { max: 0 } }));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE", message: "alert rule is over the limit of 200 bytes" } });
    const broken = await post("{ nope");
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({
      error: { code: "INVALID_JSON", message: expect.stringMatching(/^body is not valid JSON: /), hint: "see the docs" },
    });
  });

  it("lists every issue with its path under the route's code", async () => {
    const res = await post(JSON.stringify({ name: "", params: { max: 2, min: 0 } }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; issues: { path: string }[] } };
    expect(body.error.code).toBe("INVALID_RULE");
    expect(body.error.message).toBe("invalid alert rule (3 issues)");
    expect(body.error.issues.map((i) => i.path).sort()).toEqual(["name", "params", "params.max"]);
  });
});
