import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { expect } from "vitest";

/**
 * Compares `actual` with a committed golden file. With `UPDATE_GOLDEN=1` in the environment
 * the file is (re)written instead, and the diff is what a review reads.
 */
export function expectGolden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) {
    throw new Error(`golden file ${path} does not exist; run the tests with UPDATE_GOLDEN=1 to create it`);
  }
  expect(actual).toBe(readFileSync(path, "utf8"));
}
