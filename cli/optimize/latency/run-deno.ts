/**
 * `deno`: the harness bundled into one script and run by the `deno` binary (the npm package `deno`, an optional peer of
 * edge-ml, found as `edge-ml dev --target deno` finds it). The request goes in on stdin; onnxruntime-web's wasm is read
 * from the installed package (the only read permission granted); events come back on stdout.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EdgeMlError } from "../../../core/errors.ts";
import { denoBinary } from "../../../targets/deno/serve.ts";
import { ORT_WASM_FILE, ortDistDir } from "../../../targets/ort-files.ts";
import { bundleEntry, entryPath } from "./bundle.ts";
import { eventSink, harnessInput, type RunnerInput, type RunnerOutput, timeoutFor, withTimeout } from "./runner.ts";
import { encodeRequest, eventReader } from "./wire.ts";

const INSTALL_HINT = "install it: npm install -D deno (an optional peer dependency of edge-ml), or put deno on PATH";

export async function runInDeno(input: RunnerInput): Promise<RunnerOutput> {
  const code = await bundleEntry(`import { main } from ${JSON.stringify(entryPath("deno-entry"))};\nawait main();\n`, ["deno", "worker", "browser"]);
  const tmp = mkdtempSync(join(tmpdir(), "edge-ml-latency-deno-"));
  let child: ChildProcess | undefined;
  try {
    const script = join(tmp, "latency.mjs");
    writeFileSync(script, code);
    const wasm = join(ortDistDir(), ORT_WASM_FILE);
    const proc = spawn(denoBinary(), ["run", "--no-prompt", `--allow-read=${wasm}`, script, wasm], {
      cwd: tmp,
      // Its own DENO_DIR: nothing is cached in the user's, and the temp folder takes it away.
      env: { ...process.env, DENO_DIR: join(tmp, "deno-dir"), NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child = proc;
    const measureMs = input.measureMs();
    let runtime = "Deno";
    const sink = eventSink(runtime, input.onProgress);
    let output = "";
    const done = new Promise<void>((resolve, reject) => {
      const reader = eventReader((e) => {
        if (e.type === "result" && e.result.runtimeVersion) runtime = `Deno ${e.result.runtimeVersion}`;
        sink.onEvent(e);
      });
      proc.stdout!.setEncoding("utf8").on("data", (s: string) => {
        reader.push(s);
        output = (output + s).slice(-8000);
      });
      proc.stderr!.setEncoding("utf8").on("data", (s: string) => {
        output = (output + s).slice(-8000);
      });
      proc.once("error", (e: NodeJS.ErrnoException) =>
        reject(
          e.code === "ENOENT"
            ? new EdgeMlError("ERR_USAGE", "measuring latency for the deno target needs the deno binary, which was not found", { hint: INSTALL_HINT })
            : new EdgeMlError("ERR_ENGINE", `cannot start deno: ${e.message}`, { hint: INSTALL_HINT }),
        ),
      );
      proc.once("close", () => {
        reader.end();
        resolve();
      });
    });
    // deno may exit before reading all of stdin (a bad flag, say): its output then says why, not EPIPE.
    proc.stdin!.on("error", () => {});
    proc.stdin!.end(encodeRequest(harnessInput(input, measureMs)));
    await withTimeout(done, timeoutFor(input.budgetMs), "deno");
    const result = sink.settle(output);
    return { result, runtime };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once("close", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}
