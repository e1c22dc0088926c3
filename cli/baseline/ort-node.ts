/**
 * onnxruntime-node is an optional peer dependency of edge-ml (288 MB of native binaries that only `models add --data`
 * and `validate` use): this loads it when it is installed and says so when it is not, so callers can fall back to
 * onnxruntime-web's wasm build (same numbers, slower) or tell the user how to install it.
 *
 * @example
 * ```ts
 * const ort = await importOrtNode(); // undefined when not installed
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";

export type OrtNode = typeof import("onnxruntime-node");

/** onnxruntime-node, or undefined when it is not installed (any other load failure is thrown). */
export async function importOrtNode(): Promise<OrtNode | undefined> {
  try {
    return await import("onnxruntime-node");
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && message?.includes("onnxruntime-node")) return undefined;
    throw err;
  }
}

/** The error for a command that was asked to run on onnxruntime-node when it is not installed. */
export function ortNodeMissing(what: string): EdgeMlError {
  return new EdgeMlError("ERR_USAGE", `${what} needs onnxruntime-node, which is not installed (it is an optional peer dependency of edge-ml)`, {
    hint: "install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install -D onnxruntime-node` (the CPU build ships in the package), or pass --runtime wasm to use onnxruntime-web",
  });
}
