#!/usr/bin/env node
// The `edge-ml` executable. Installed from the package it runs the compiled CLI (dist/cli/index.js; no TypeScript
// sources ship). Inside a checkout of the repository, where cli/index.ts sits beside this file, it runs the sources
// through tsx's loader instead, so a change is live without a build.
import { existsSync } from "node:fs";

const source = new URL("./index.ts", import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(source.href);
} else {
  cli = await import(new URL("../dist/cli/index.js", import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
