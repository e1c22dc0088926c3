import { createServedRuntime, type ServedModelOptions, isRollout } from "../../runtime/rollout-app.ts";

/** The slice of the Deno namespace this adapter uses (portable code has no Deno types). */
export interface DenoLike {
  readFile(url: URL): Promise<Uint8Array>;
  env: { toObject(): Record<string, string> };
  serve(
    options: { hostname: string; port: number; onListen?: (addr: { hostname: string; port: number }) => void; signal?: AbortSignal },
    handler: (request: Request) => Response | Promise<Response>,
  ): { finished: Promise<void> };
  addSignalListener(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
}

export const denoGlobal = (): DenoLike => (globalThis as unknown as { Deno: DenoLike }).Deno;

export type DenoEdgeOptions = ServedModelOptions;

export async function serveDenoEdge(opts: DenoEdgeOptions): Promise<void> {
  const deno = denoGlobal();
  const env = deno.env.toObject();
  const edge = createServedRuntime("deno", opts);
  edge.configure(env);
  // Load (and integrity-check) the model before accepting traffic: a Deno process is long-lived.
  await edge.loadPredictor();
  if (isRollout(edge)) await edge.loadChallenger();
  const served = `${opts.manifest.name}@${opts.manifest.version}${isRollout(edge) ? ` with challenger ${edge.rollout.challenger} (${edge.rollout.mode})` : ""}`;
  const flush = async () => (isRollout(edge) ? edge.flush() : edge.telemetry()?.flush());
  const controller = new AbortController();
  const server = deno.serve(
    {
      hostname: env["HOST"] ?? "127.0.0.1",
      port: Number(env["PORT"] ?? 8000),
      signal: controller.signal,
      onListen: ({ hostname, port }) => console.log(`edge-ml: ${served} listening on http://${hostname}:${port}/`),
    },
    (request) => edge.app.fetch(request),
  );
  const stop = () => {
    controller.abort();
    void flush();
  };
  deno.addSignalListener("SIGINT", stop);
  deno.addSignalListener("SIGTERM", stop);
  await server.finished;
  await flush();
}
