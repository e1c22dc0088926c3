/**
 * The portable feature store readers (issue 16): the snapshot parser and memory reader, the fetch reader's contract
 * against a real HTTP server (records in key order, misses as null, every way the store can fail throws with a message
 * naming the store), and a server's choice of store per view (server-stores.ts) with its start-up errors.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFetchReader } from "../../../runtime/features/fetch-reader.ts";
import { createMemoryReader, parseSnapshot } from "../../../runtime/features/memory-reader.ts";
import { readRecord } from "../../../runtime/features/record.ts";
import { openServerStores } from "../../../runtime/features/server-stores.ts";
import type { LookupPlan } from "../../../runtime/features/types.ts";

const rec = (plan: string, ts: number) => ({ values: { plan, region: null }, ts, pushedAt: ts + 1 });
const SNAPSHOT = [
  JSON.stringify({ key: "c-1", ...rec("pro", 10) }),
  JSON.stringify({ key: "c-2", ...rec("free", 20) }),
  "",
  JSON.stringify({ key: "c-1", ...rec("old", 5) }),
].join("\n");

describe("snapshot and memory reader", () => {
  it("parses latest.jsonl by key, the greatest ts winning, and reads in key order with misses", async () => {
    const records = parseSnapshot(SNAPSHOT, "customer/latest.jsonl");
    expect([...records.keys()]).toEqual(["c-1", "c-2"]);
    expect(records.get("c-1")).toEqual(rec("pro", 10));
    const reader = createMemoryReader({ customer: records });
    expect(await reader.read("customer", ["c-2", "nope", "c-1"])).toEqual([rec("free", 20), undefined, rec("pro", 10)]);
    await expect(reader.read("account", ["a"])).rejects.toThrow('no records were loaded for feature view "account" (loaded: customer)');
  });

  it("names the file and line of a bad snapshot line", () => {
    expect(() => parseSnapshot(`${JSON.stringify({ key: "a", ...rec("x", 1) })}\n{oops`, "s.jsonl")).toThrow("s.jsonl:2: not JSON");
    expect(() => parseSnapshot(JSON.stringify({ values: {}, ts: 1 }), "s.jsonl")).toThrow('s.jsonl:1: expected "key"');
    expect(() => parseSnapshot(JSON.stringify({ key: "a", values: { p: [1] }, ts: 1 }), "s.jsonl")).toThrow("s.jsonl:1.values.p: expected text");
  });

  it("takes numbers and booleans as their text, pushedAt defaulting to ts", () => {
    expect(readRecord({ values: { n: 4.5, b: true, s: "x", z: null }, ts: 7 }, "r")).toEqual({
      values: { n: "4.5", b: "true", s: "x", z: null },
      ts: 7,
      pushedAt: 7,
    });
    expect(() => readRecord({ values: {} }, "records[0]")).toThrow("records[0].ts: expected the value's time in epoch milliseconds, got nothing");
    expect(readRecord({ values: {} }, "r", 99).ts).toBe(99);
  });
});

describe("fetch reader", () => {
  let server: Server;
  let url: string;
  let requests: { view: string; keys: string[] }[] = [];
  let answer: (body: { view: string; keys: string[] }) => { status: number; body: string } = () => ({ status: 500, body: "" });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = "";
      req.on("data", (c) => (text += c));
      req.on("end", () => {
        const body = JSON.parse(text) as { view: string; keys: string[] };
        requests.push(body);
        const a = answer(body);
        if (a.status === 0) return; // never answer: the reader's timeout
        res.writeHead(a.status, { "content-type": "application/json" }).end(a.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/lookup`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("POSTs { view, keys } once and maps { records } in key order, null as a miss", async () => {
    requests = [];
    answer = ({ keys }) => ({
      status: 200,
      body: JSON.stringify({ records: keys.map((k) => (k === "c-1" ? { values: { plan: "pro", visits: 3 }, ts: 5 } : null)) }),
    });
    const reader = createFetchReader({ url });
    expect(await reader.read("customer", ["c-0", "c-1"])).toEqual([undefined, { values: { plan: "pro", visits: "3" }, ts: 5, pushedAt: 5 }]);
    expect(requests).toEqual([{ view: "customer", keys: ["c-0", "c-1"] }]);
    expect(await reader.read("customer", [])).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it("throws, naming the store and view, on a 500, a short answer, a bad record, a timeout and a refused connection", async () => {
    const reader = createFetchReader({ url, timeoutMs: 300 });
    answer = () => ({ status: 500, body: "db down" });
    await expect(reader.read("customer", ["a"])).rejects.toThrow(`the feature store at ${url} (view "customer") answered HTTP 500: db down`);
    answer = () => ({ status: 200, body: JSON.stringify({ records: [] }) });
    await expect(reader.read("customer", ["a"])).rejects.toThrow("answered 0 records for 1 keys");
    answer = () => ({ status: 200, body: "<html>" });
    await expect(reader.read("customer", ["a"])).rejects.toThrow("answered something that is not JSON");
    answer = () => ({ status: 200, body: JSON.stringify({ records: [{ values: "pro", ts: 1 }] }) });
    await expect(reader.read("customer", ["a"])).rejects.toThrow("records[0].values: expected an object");
    answer = () => ({ status: 0, body: "" });
    await expect(reader.read("customer", ["a"])).rejects.toThrow("did not answer within 300 ms");
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(createFetchReader({ url: `http://127.0.0.1:${port}/` }).read("customer", ["a"])).rejects.toThrow("could not be reached");
  });

  it("sends the headers it is given", async () => {
    let auth: string | undefined;
    const reader = createFetchReader({
      url,
      headers: { authorization: "Bearer t" },
      fetch: (input, init) => {
        auth = new Headers(init?.headers).get("authorization") ?? undefined;
        return fetch(input, init);
      },
    });
    answer = () => ({ status: 200, body: JSON.stringify({ records: [null] }) });
    expect(await reader.read("v", ["k"])).toEqual([undefined]);
    expect(auth).toBe("Bearer t");
  });
});

describe("a server's stores per view", () => {
  const plan: LookupPlan = {
    views: {
      customer: { key: "customer_id", features: ["plan"], store: "memory" },
      account: { key: "account_id", features: ["risk"], store: "kv" },
    },
  };
  const files: Record<string, string> = { "/f/customer/latest.jsonl": SNAPSHOT };
  const readText = async (path: string) => files[path];

  it("nothing to open when the model looks nothing up", async () => {
    expect(await openServerStores({ views: {} }, { runtime: "Node", env: {}, readText, snapshotStores: ["memory"] })).toBeUndefined();
  });

  it("one start-up error listing every view it cannot serve, with what to do", async () => {
    const err = await openServerStores(plan, { runtime: "Node", env: {}, readText, snapshotStores: ["memory"] }).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      [
        "edge-ml: cannot serve the model's looked-up features on Node:",
        '  - view "customer" (store memory) is read from its snapshot, and EDGE_ML_FEATURES_DIR is not set: set it to the folder `edge-ml features push` writes (the project\'s .edge-ml/features, holding customer/latest.jsonl)',
        '  - view "account" is stored in Workers KV, which a Node server cannot open: set EDGE_ML_FEATURES_URL to a feature service answering its lookups (POST { view, keys } ▶ { records }), or give the view store "memory" in edge-ml.config.ts and push it again',
      ].join("\n"),
    );
    const missing = await openServerStores(plan, {
      runtime: "Node",
      env: { EDGE_ML_FEATURES_DIR: "/g/", EDGE_ML_FEATURES_URL: "http://x/" },
      readText,
      snapshotStores: ["memory"],
    }).catch((e: Error) => e);
    expect((missing as Error).message).toContain(
      'view "customer" (store memory): /g/customer/latest.jsonl does not exist; run `edge-ml features push customer <csv>`',
    );
  });

  it("snapshot views from EDGE_ML_FEATURES_DIR, the others from EDGE_ML_FEATURES_URL", async () => {
    const stores = await openServerStores(plan, {
      runtime: "Node",
      env: { EDGE_ML_FEATURES_DIR: "/f", EDGE_ML_FEATURES_URL: "http://127.0.0.1:1/lookup" },
      readText,
      snapshotStores: ["memory"],
    });
    expect(stores?.summary).toEqual(["customer: memory, 2 keys from /f/customer/latest.jsonl", "account: kv view read from http://127.0.0.1:1/lookup"]);
    expect(await stores?.reader.read("customer", ["c-1"])).toEqual([rec("pro", 10)]);
    await expect(stores?.reader.read("account", ["a"])).rejects.toThrow("could not be reached");
    await expect(stores?.reader.read("other", ["a"])).rejects.toThrow('feature view "other" is not one this server opened');
  });
});
