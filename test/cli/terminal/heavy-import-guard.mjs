// Loaded with `node --import` by help.test.ts: an import of a heavy dependency from edge-ml's own code throws, so a
// help path that loads a command's code fails loudly instead of only being slow. (Imports from inside node_modules
// are let through: tsx itself uses esbuild to run the sources of a checkout.) EDGE_ML_GUARD_LOG=1 lists what loads.
import { register } from "node:module";

register(
  `data:text/javascript,${encodeURIComponent(`
const HEAVY = /(^|[\\\\/])(miniflare|better-sqlite3|esbuild|kysely|onnxruntime-node|onnxruntime-web|wrangler|workerd)([\\\\/]|$)/;
export async function resolve(specifier, context, next) {
  const ours = context.parentURL !== undefined && !context.parentURL.includes("/node_modules/");
  if (ours && HEAVY.test(specifier)) throw new Error("heavy module imported during help: " + specifier + " from " + context.parentURL);
  const result = await next(specifier, context);
  if (process.env.EDGE_ML_GUARD_LOG) process.stderr.write("resolve " + result.url + "\\n");
  return result;
}`)}`,
  import.meta.url,
);
