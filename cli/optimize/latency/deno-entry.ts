/**
 * The latency harness as a Deno program, bundled by run-deno.ts: reads the request (wire.ts) from stdin and
 * onnxruntime-web's wasm from the path in its first argument (Deno compiles wasm from bytes), prints events to stdout.
 */
import * as ort from "onnxruntime-web/wasm";
import { type OrtWasmEnv, useWasmBytes } from "../../../runtime/engines/ort-wasm-module.ts";
import { type OrtWebLike, runHarness } from "./harness.ts";
import { decodeRequest, encodeEvent, errorEvent, type HarnessEvent } from "./wire.ts";

/** The slice of the Deno namespace used here (portable code has no Deno types). */
interface DenoLike {
  args: string[];
  readFile(path: string): Promise<Uint8Array>;
  stdin: { readable: ReadableStream<Uint8Array> };
  stdout: { writeSync(bytes: Uint8Array): number };
  version: { deno: string };
}

export async function main(): Promise<void> {
  const deno = (globalThis as unknown as { Deno: DenoLike }).Deno;
  const encoder = new TextEncoder();
  const send = (e: HarnessEvent) => {
    const bytes = encoder.encode(encodeEvent(e));
    for (let at = 0; at < bytes.length; ) at += deno.stdout.writeSync(bytes.subarray(at));
  };
  try {
    const [request, wasm] = await Promise.all([new Response(deno.stdin.readable).arrayBuffer(), deno.readFile(deno.args[0]!)]);
    useWasmBytes(ort as unknown as OrtWasmEnv, wasm);
    const result = await runHarness(ort as unknown as OrtWebLike, decodeRequest(new Uint8Array(request)), {
      onProgress: (done, total) => send({ type: "progress", done, total }),
    });
    send({ type: "result", result: { ...result, runtimeVersion: deno.version.deno } });
  } catch (e) {
    send(errorEvent(e));
  }
}
