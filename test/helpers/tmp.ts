/** Temporary folders for tests, removed after the test file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

export function tempDir(prefix = "edge-ml-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const FIXTURES = join(import.meta.dirname, "..", "fixtures");
export const REPO_ROOT = join(import.meta.dirname, "..", "..");
