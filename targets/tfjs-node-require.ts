/**
 * TF.js detects Node (and Deno, which has `process`) and then `require`s "util" while its modules load, and
 * tfjs-backend-wasm's Emscripten glue reads `__dirname` when it starts; an ES module bundle has neither. Imported
 * before TF.js by the Node and Deno entries, this gives TF.js Node's `require` and the glue the bundle's folder (the
 * wasm itself is handed over compiled, never read from there: runtime/engines/tfjs-wasm.ts).
 */
import { createRequire } from "node:module";

const scope = globalThis as { require?: NodeJS.Require; __dirname?: string };
scope.require ??= createRequire(import.meta.url);
scope.__dirname ??= decodeURIComponent(new URL(".", import.meta.url).pathname);
