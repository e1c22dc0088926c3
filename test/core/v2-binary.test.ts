/**
 * The KServe V2 binary tensor extension: split a body at its JSON header, read binary inputs (zero-copy when aligned,
 * copied when not; BYTES length-prefixed), every bad request with the path of what is wrong, output selection, and
 * encoding a response that decodes back to the same tensors.
 */
import { describe, expect, it } from "vitest";
import type { Issue } from "../../core/errors.ts";
import { IssueList } from "../../core/issues.ts";
import type { TensorSpec } from "../../core/schema/manifest.ts";
import { parseV2Inputs } from "../../core/tensor-input.ts";
import { decodeBinaryBody, encodeBinaryBody, encodeBinaryRequest, requestedOutputs, splitBinaryBody, tensorBytes } from "../../core/v2-binary.ts";

const image: TensorSpec = { name: "image", dtype: "float32", shape: ["batch", 3, 4, 4] };
const ids: TensorSpec = { name: "ids", dtype: "int64", shape: ["batch", 2] };
const mask: TensorSpec = { name: "mask", dtype: "bool", shape: ["batch", 3] };
const text: TensorSpec = { name: "text", dtype: "string", shape: ["batch"] };
const limits = { maxBatch: 8, maxElements: 10_000 };
const enc = new TextEncoder();

const pixels = Float32Array.from({ length: 48 }, (_, i) => i / 7);
const imageInput = { name: "image", shape: [1, 3, 4, 4], datatype: "FP32" };

/** Split and parse a binary request as the app does; the feeds, or the issues as "path: message". */
function parse(body: Uint8Array, headerLength: number | string, specs: TensorSpec[] = [image]) {
  const split = splitBinaryBody(body, String(headerLength));
  if (!split.ok) return { issues: split.issues.map(show) };
  const r = parseV2Inputs(split.header, specs, limits, split.binary);
  return r.ok ? { feeds: r.feeds } : { issues: r.issues.map(show) };
}
const show = (i: Issue) => `${i.path}: ${i.message}`;

/** A request with a hand-written header (the sizes as given, not computed) and the bytes after it. */
function raw(header: unknown, ...parts: Uint8Array[]): { body: Uint8Array; headerLength: number } {
  const h = enc.encode(JSON.stringify(header));
  const body = new Uint8Array(h.byteLength + parts.reduce((a, p) => a + p.byteLength, 0));
  body.set(h);
  let pos = h.byteLength;
  for (const p of parts) {
    body.set(p, pos);
    pos += p.byteLength;
  }
  return { body, headerLength: h.byteLength };
}
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const withSize = (input: object, size: number) => ({ ...input, parameters: { binary_data_size: size } });

describe("binary inputs", () => {
  it("reads FP32 as a view on the body when the data is aligned, and as a copy when it is not", () => {
    for (const pad of [4, 0]) {
      const { body, headerLength } = encodeBinaryRequest({ inputs: [imageInput] }, [pixels], pad);
      const r = parse(body, headerLength);
      const data = r.feeds?.["image"]?.data as Float32Array;
      expect(data).toEqual(pixels);
      expect(r.feeds?.["image"]?.dims).toEqual([1, 3, 4, 4]);
      if (headerLength % 4 === 0) expect(data.buffer).toBe(body.buffer);
      else expect(data.buffer).not.toBe(body.buffer);
    }
    // The case the loop means to cover: the unpadded header of this request is not a multiple of 4.
    expect(encodeBinaryRequest({ inputs: [imageInput] }, [pixels]).headerLength % 4).not.toBe(0);
  });

  it("reads several inputs in order, mixed with JSON data, INT64 and BOOL", () => {
    const { body, headerLength } = raw(
      {
        inputs: [
          withSize({ name: "ids", shape: [1, 2], datatype: "INT64" }, 16),
          { name: "mask", shape: [1, 3], datatype: "BOOL", data: [true, false, true] },
          withSize(imageInput, 192),
        ],
      },
      bytesOf(new BigInt64Array([-3n, 2n ** 40n])),
      bytesOf(pixels),
    );
    const r = parse(body, headerLength, [ids, mask, image]);
    expect(r.issues).toBeUndefined();
    expect(r.feeds?.["ids"]?.data).toEqual(new BigInt64Array([-3n, 2n ** 40n]));
    expect(r.feeds?.["mask"]?.data).toEqual(new Uint8Array([1, 0, 1]));
    expect(r.feeds?.["image"]?.data).toEqual(pixels);
  });

  it("reads BOOL bytes and refuses a byte other than 0 or 1", () => {
    const ok = raw({ inputs: [withSize({ name: "mask", shape: [1, 3], datatype: "BOOL" }, 3)] }, new Uint8Array([1, 0, 1]));
    expect(parse(ok.body, ok.headerLength, [mask]).feeds?.["mask"]?.data).toEqual(new Uint8Array([1, 0, 1]));
    const bad = raw({ inputs: [withSize({ name: "mask", shape: [1, 3], datatype: "BOOL" }, 3)] }, new Uint8Array([1, 2, 0]));
    expect(parse(bad.body, bad.headerLength, [mask]).issues).toEqual(["inputs[0][1]: byte 2 is not a BOOL (0 for false, 1 for true)"]);
  });

  it("reads BYTES as 4-byte little-endian length-prefixed UTF-8 strings", () => {
    const strings = ["héllo", "", "日本"];
    const { body, headerLength } = encodeBinaryRequest({ inputs: [{ name: "text", shape: [3], datatype: "BYTES" }] }, [strings]);
    expect(parse(body, headerLength, [text]).feeds?.["text"]?.data).toEqual(strings);
    const bytes = tensorBytes(["ab"]);
    expect([...bytes]).toEqual([2, 0, 0, 0, 97, 98]);
  });

  it("refuses BYTES whose lengths do not fill binary_data_size exactly, or that are not UTF-8", () => {
    const input = { name: "text", shape: [2], datatype: "BYTES" };
    const two = tensorBytes(["ab", "c"]); // 4+2 + 4+1 = 11 bytes
    const short = raw({ inputs: [withSize(input, 8)] }, two.subarray(0, 8));
    expect(parse(short.body, short.headerLength, [text]).issues).toEqual([
      "inputs[0].parameters.binary_data_size: is 8 bytes, too few for 2 BYTES elements: element 1's 4-byte length starts at byte 6",
    ]);
    const cut = raw({ inputs: [withSize(input, 10)] }, two.subarray(0, 10));
    expect(parse(cut.body, cut.headerLength, [text]).issues).toEqual([
      "inputs[0].parameters.binary_data_size: is 10 bytes, but BYTES element 1 says it is 1 bytes long from byte 10",
    ]);
    const extra = raw({ inputs: [withSize(input, 12)] }, two, new Uint8Array([0]));
    expect(parse(extra.body, extra.headerLength, [text]).issues).toEqual([
      "inputs[0].parameters.binary_data_size: is 12 bytes, but its 2 BYTES elements end at byte 11",
    ]);
    const notText = raw({ inputs: [withSize({ ...input, shape: [1] }, 5)] }, new Uint8Array([1, 0, 0, 0, 0xff]));
    expect(parse(notText.body, notText.headerLength, [text]).issues).toEqual(["inputs[0][0]: is not UTF-8 text (string inputs take text)"]);
  });
});

describe("bad binary requests name what is wrong", () => {
  const good = encodeBinaryRequest({ inputs: [imageInput] }, [pixels]);

  it("the header length: not an integer, zero, past the end of the body", () => {
    for (const v of ["abc", "12.5", "-3", "", "1e3"]) {
      expect(parse(good.body, v).issues).toEqual([
        `(header Inference-Header-Content-Length): expected the JSON header's length in bytes (an integer), got ${JSON.stringify(v)}`,
      ]);
    }
    expect(parse(good.body, 0).issues).toEqual(["(header Inference-Header-Content-Length): is 0: the body must start with a JSON header"]);
    expect(parse(good.body, good.body.byteLength + 1).issues).toEqual([
      `(header Inference-Header-Content-Length): is ${good.body.byteLength + 1}, past the end of the ${good.body.byteLength}-byte body`,
    ]);
  });

  it("a header length that cuts the JSON, with a hint about bytes versus characters", () => {
    const [issue] = parse(good.body, good.headerLength - 1).issues ?? [];
    expect(issue).toMatch(/^\(header\): the first \d+ bytes are not valid JSON: .*\(does Inference-Header-Content-Length count the JSON header's bytes/);
  });

  it("binary_data_size that does not match the shape, or is not whole elements", () => {
    const big = raw({ inputs: [withSize(imageInput, 196)] }, bytesOf(pixels), new Uint8Array(4));
    expect(parse(big.body, big.headerLength).issues).toEqual(["inputs[0].parameters.binary_data_size: is 196 bytes, but shape [1, 3, 4, 4] of FP32 needs 192"]);
    const odd = raw({ inputs: [withSize(imageInput, 190)] }, bytesOf(pixels).subarray(0, 190));
    expect(parse(odd.body, odd.headerLength).issues).toEqual([
      "inputs[0].parameters.binary_data_size: is 190 bytes, not a whole number of FP32 elements (4 bytes each)",
    ]);
  });

  it("the real-size example: a 1x3x320x320 FP32 image", () => {
    const spec: TensorSpec = { name: "image", dtype: "float32", shape: ["batch", 3, 320, 320] };
    const input = { name: "image", shape: [1, 3, 320, 320], datatype: "FP32" };
    const run = (size: number) => {
      const r = raw({ inputs: [withSize(input, size)] }, new Uint8Array(size));
      const split = splitBinaryBody(r.body, String(r.headerLength));
      return split.ok ? parseV2Inputs(split.header, [spec], { maxBatch: 1, maxElements: 4_000_000 }, split.binary) : undefined;
    };
    expect(run(1228796)).toMatchObject({
      ok: false,
      issues: [{ path: "inputs[0].parameters.binary_data_size", message: "is 1228796 bytes, but shape [1, 3, 320, 320] of FP32 needs 1228800" }],
    });
    expect(run(1228798)).toMatchObject({
      ok: false,
      issues: [{ path: "inputs[0].parameters.binary_data_size", message: "is 1228798 bytes, not a whole number of FP32 elements (4 bytes each)" }],
    });
    expect(run(1228800)).toMatchObject({ ok: true });
    const wrongShape = raw({ inputs: [withSize(input, 1228800)] }, new Uint8Array(1228804));
    const s2 = splitBinaryBody(wrongShape.body, String(wrongShape.headerLength));
    expect(s2.ok && parseV2Inputs(s2.header, [spec], { maxBatch: 1, maxElements: 4_000_000 }, s2.binary)).toMatchObject({
      ok: false,
      issues: [
        {
          path: "(body)",
          message: "has 1228804 bytes after the JSON header (Inference-Header-Content-Length), but the inputs' parameters.binary_data_size add up to 1228800",
        },
      ],
    });
  });

  it("sizes that add up to more or less than the bytes after the header", () => {
    const short = raw({ inputs: [withSize(imageInput, 192)] }, bytesOf(pixels).subarray(0, 100));
    expect(parse(short.body, short.headerLength).issues).toEqual([
      "inputs[0].parameters.binary_data_size: is 192 bytes, but only 100 bytes of binary data are left after the inputs before it",
      "(body): has 100 bytes after the JSON header (Inference-Header-Content-Length), but the inputs' parameters.binary_data_size add up to 192",
    ]);
    const long = raw({ inputs: [withSize(imageInput, 192)] }, bytesOf(pixels), new Uint8Array(8));
    expect(parse(long.body, long.headerLength).issues).toEqual([
      "(body): has 200 bytes after the JSON header (Inference-Header-Content-Length), but the inputs' parameters.binary_data_size add up to 192",
    ]);
  });

  it("both data and binary_data_size, a bad size value, bad parameters", () => {
    const both = raw({ inputs: [{ ...withSize(imageInput, 192), data: [1] }] }, bytesOf(pixels));
    expect(parse(both.body, both.headerLength).issues).toEqual(["inputs[0].data: send either data or parameters.binary_data_size, not both"]);
    for (const [size, got] of [
      [-4, "number -4"],
      ["192", 'string "192"'],
      [1.5, "number 1.5"],
    ] as const) {
      const r = raw({ inputs: [withSize(imageInput, size as number)] }, bytesOf(pixels));
      expect(parse(r.body, r.headerLength).issues?.[0]).toBe(
        `inputs[0].parameters.binary_data_size: expected a size in bytes (a non-negative integer), got ${got}`,
      );
    }
    const params = raw({ inputs: [{ ...imageInput, parameters: [192] }] }, bytesOf(pixels));
    expect(parse(params.body, params.headerLength).issues?.[0]).toBe("inputs[0].parameters: expected an object, got an array");
  });

  it("a shape or datatype error still lets later inputs be read from the right offset", () => {
    const { body, headerLength } = raw(
      { inputs: [withSize({ name: "ids", shape: [1, 3], datatype: "INT64" }, 24), withSize(imageInput, 192)] },
      bytesOf(new BigInt64Array(3)),
      bytesOf(pixels),
    );
    expect(parse(body, headerLength, [ids, image]).issues).toEqual(['inputs[0].shape[1]: is 3, but the model input "ids" needs 2 (shape [batch, 2])']);
  });

  it("binary_data_size in a plain JSON request says how to send binary data", () => {
    const r = parseV2Inputs({ inputs: [withSize(imageInput, 192)] }, [image], limits);
    expect(r).toMatchObject({
      ok: false,
      issues: [{ path: "inputs[0].parameters.binary_data_size", message: expect.stringMatching(/Inference-Header-Content-Length/) }],
    });
  });

  it("keeps ignoring other input parameters (KServe's content_type) on the JSON path", () => {
    const r = parseV2Inputs({ inputs: [{ ...imageInput, parameters: { content_type: "np" }, data: [...pixels] }] }, [image], limits);
    expect(r.ok).toBe(true);
  });
});

describe("outputs", () => {
  const names = ["probability", "features"];
  const ask = (body: Record<string, unknown>) => {
    const issues = new IssueList();
    const r = requestedOutputs(body, names, issues);
    return issues.count > 0 ? issues.toArray().map(show) : r;
  };

  it("all outputs as JSON by default; binary_data_output for all; binary_data per output wins", () => {
    expect(ask({})).toEqual([
      { name: "probability", binary: false },
      { name: "features", binary: false },
    ]);
    expect(ask({ outputs: [] })).toHaveLength(2);
    expect(ask({ parameters: { binary_data_output: true } })).toEqual([
      { name: "probability", binary: true },
      { name: "features", binary: true },
    ]);
    expect(
      ask({ parameters: { binary_data_output: true }, outputs: [{ name: "features", parameters: { binary_data: false } }, { name: "probability" }] }),
    ).toEqual([
      { name: "features", binary: false },
      { name: "probability", binary: true },
    ]);
  });

  it("names every bad output field", () => {
    expect(
      ask({
        parameters: { binary_data_output: "yes" },
        outputs: [{ name: "nope" }, { name: "features", parameters: { binary_data: 1, classification: 3 } }, { name: "features" }, 7, { nam: "x" }],
      }),
    ).toEqual([
      'parameters.binary_data_output: expected true or false, got string "yes"',
      'outputs[0].name: "nope" is not a model output (expected one of probability, features)',
      "outputs[1].parameters.binary_data: expected true or false, got number 1",
      "outputs[1].parameters.classification: unsupported output parameter (edge-ml supports binary_data)",
      'outputs[2].name: output "features" is asked for twice',
      "outputs[3]: expected an object {name, parameters}, got number 7",
      'outputs[4].nam: unknown field "nam" (expected name, parameters)',
      "outputs[4].name: required",
    ]);
  });
});

describe("binary responses", () => {
  it("encode the header then the bytes, and decode back to the same tensors", () => {
    const probability = new Float32Array([0.25, 0.5, 0.75]);
    const labels = ["a", "bé"];
    const header = {
      outputs: [
        { name: "probability", shape: [1, 3], datatype: "FP32", parameters: { binary_data_size: 12 } },
        { name: "json", shape: [1], datatype: "INT32", data: [4] },
        { name: "labels", shape: [2], datatype: "BYTES", parameters: { binary_data_size: tensorBytes(labels).byteLength } },
      ],
    };
    const { body, headerLength } = encodeBinaryBody(header, [tensorBytes(probability), tensorBytes(labels)]);
    expect(headerLength).toBe(enc.encode(JSON.stringify(header)).byteLength);
    const decoded = decodeBinaryBody(body, headerLength);
    expect(decoded.header).toEqual(header);
    expect(new Float32Array(decoded.tensors[0]!.slice().buffer)).toEqual(probability);
    expect([...decoded.tensors[1]!]).toEqual([1, 0, 0, 0, 97, 3, 0, 0, 0, 98, 0xc3, 0xa9]);
  });

  it("BOOL outputs given as booleans become one byte each", () => {
    expect([...tensorBytes([true, false, true])]).toEqual([1, 0, 1]);
  });
});
