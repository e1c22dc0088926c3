/**
 * Start onnxruntime-web's WASM runtime from a precompiled `WebAssembly.Module`.
 *
 * Why: workerd forbids compiling WebAssembly from bytes at run time ("Wasm code generation disallowed by embedder")
 * and has no usable `import.meta.url`, so ORT can neither fetch nor compile its `.wasm`. The bundle imports the wasm
 * as a module (wrangler's CompiledWasm rule), which arrives precompiled. ORT passes only `wasmBinary` to its
 * emscripten loader, so we give it a placeholder binary (so it does not fetch) and, during initialization only, make
 * `WebAssembly.instantiate(bytes, imports)` instantiate the precompiled module instead. No ORT file is patched.
 * Deno can use the same path. See NOTES.md ("onnxruntime-web inside workerd").
 */

export interface OrtWasmEnv {
  env: { wasm: { numThreads?: number; proxy?: boolean; wasmBinary?: ArrayBufferLike | Uint8Array; simd?: boolean } };
}

/** Configure ORT to use `module` and return an init hook that wraps `WebAssembly.instantiate` while ORT starts. */
export function useCompiledWasm(ort: OrtWasmEnv, module: WebAssembly.Module): { around<T>(start: () => Promise<T>): Promise<T> } {
  ort.env.wasm.numThreads = 1; // no SharedArrayBuffer / workers at the edge
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = new Uint8Array(8); // placeholder: never compiled, only stops ORT from fetching
  return {
    async around<T>(start: () => Promise<T>): Promise<T> {
      const original = WebAssembly.instantiate;
      const shim = ((source: unknown, imports?: WebAssembly.Imports) => {
        if (source instanceof WebAssembly.Module) return original(source, imports);
        return original(module, imports).then((instance) => ({ instance, module }));
      }) as typeof WebAssembly.instantiate;
      WebAssembly.instantiate = shim;
      try {
        return await start();
      } finally {
        WebAssembly.instantiate = original;
      }
    },
  };
}

/** Where wasm may be compiled from bytes (Deno, Node): hand ORT the binary read from disk, single-threaded, no proxy. */
export function useWasmBytes(ort: OrtWasmEnv, bytes: Uint8Array): void {
  ort.env.wasm.numThreads = 1; // threads would need workers started from a URL the bundle does not have
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = bytes;
}
