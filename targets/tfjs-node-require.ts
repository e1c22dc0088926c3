/**
 * TF.js detects Node (and Deno, which has `process`) and then `require`s "util" while its modules load; an ES module
 * bundle has no `require`. Imported before TF.js by the Node and Deno entries, this gives it Node's.
 */
import { createRequire } from "node:module";

const scope = globalThis as { require?: NodeJS.Require };
scope.require ??= createRequire(import.meta.url);
