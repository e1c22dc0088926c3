#!/usr/bin/env node
// The `edge-ml` executable. The CLI is written in TypeScript and runs from source through tsx's loader, so an
// installed package and this repository behave the same and there is no build step to forget.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./index.ts");
process.exitCode = await main(process.argv.slice(2));
