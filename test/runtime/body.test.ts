/**
 * Oversized bodies are read (and dropped) before the 413, up to a bound, so that workerd does not reset the upload
 * (test/integration/binary-v2.test.ts shows the reset over HTTP); bytes keep one buffer for zero-copy tensors.
 */
import { describe, expect, it } from "vitest";
import { drainBound, readBodyBytes, readBodyText } from "../../runtime/body.ts";
import { HttpError } from "../../runtime/http-error.ts";

const MIB = 1024 * 1024;

/** A body of `total` bytes in 64 KiB chunks that records how much was read. */
function counted(total: number) {
  const seen = { bytes: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const n = Math.min(64 * 1024, total - seen.bytes);
      if (n <= 0) return controller.close();
      seen.bytes += n;
      controller.enqueue(new Uint8Array(n));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

const request = (body: ReadableStream<Uint8Array>, length?: number) =>
  new Request("http://x/", { method: "POST", body, duplex: "half", headers: length === undefined ? {} : { "content-length": String(length) } } as RequestInit);

async function refusal(p: Promise<unknown>): Promise<HttpError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  return err as HttpError;
}

describe("oversized bodies", () => {
  it("a declared Content-Length over the limit: the body is drained, then the 413 names sizes and limit", async () => {
    const { stream, seen } = counted(3 * MIB);
    const err = await refusal(readBodyText(request(stream, 3 * MIB), MIB, () => "the hint"));
    expect(seen.bytes).toBe(3 * MIB);
    expect(err.status).toBe(413);
    expect(err.toJSON().error).toEqual({
      code: "PAYLOAD_TOO_LARGE",
      message: "request body of 3145728 bytes is over the limit of 1048576 bytes (1 MiB)",
      hint: "the hint",
    });
  });

  it("a chunked body over the limit is dropped as it arrives, and cancelled past the drain bound", async () => {
    const small = counted(2 * MIB);
    await refusal(readBodyBytes(request(small.stream), MIB, "h"));
    expect(small.seen).toEqual({ bytes: 2 * MIB, cancelled: false });
    const huge = counted(drainBound(MIB) + 10 * MIB);
    await refusal(readBodyBytes(request(huge.stream), MIB, "h"));
    expect(huge.seen.cancelled).toBe(true);
    expect(huge.seen.bytes).toBeLessThanOrEqual(drainBound(MIB) + 64 * 1024);
  });

  it("a declared length past the drain bound is refused without reading", async () => {
    const { stream, seen } = counted(100 * MIB);
    await refusal(readBodyBytes(request(stream, 100 * MIB), (10 * MIB) / 4, "h"));
    expect(drainBound((10 * MIB) / 4)).toBe(64 * MIB);
    expect(seen.bytes).toBeLessThanOrEqual(128 * 1024);
  });
});

describe("bodies within the limit", () => {
  it("bytes arrive in one buffer, chunked or not", async () => {
    const { stream } = counted(200_000);
    const bytes = await readBodyBytes(request(stream), MIB, "h");
    expect(bytes.byteLength).toBe(200_000);
    const declared = await readBodyBytes(new Request("http://x/", { method: "POST", body: new Uint8Array(10), headers: { "content-length": "10" } }), MIB, "h");
    expect(declared.byteLength).toBe(10);
  });
});
