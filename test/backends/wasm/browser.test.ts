import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileToTypeScript } from "../../../src/backends/ts/compile.js";
import { transpileModule } from "../../../src/backends/ts/load.js";
import { ROOT } from "../../helpers/generated.js";

/**
 * A generated module in a browser: Debian's headless Chromium loads it over http from
 * 127.0.0.1 as an ES module. On a plain page the float32 cell runs on the wasm kernels on
 * the main thread (after `prepareWasm()`) and agrees with the JS kernels; on a cross-origin
 * isolated page (COOP/COEP) a cell with `threads: 2` runs workers on a shared memory and
 * gives the same bytes as one thread.
 */
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const PAGE = `
import { LSTM, prepareWasm } from "/lstm.js";
const dims = { I: 24, H: 40 }, B = 5, T = 6;
const x = Float32Array.from({ length: T * B * dims.I }, (_, i) => Math.sin(i * 0.3));
const seed = Float32Array.from({ length: T * B * dims.H }, (_, i) => Math.cos(i * 0.7));
function run(cell) {
  const p = LSTM(dims, { backend: "js" }).init(3);
  const r = cell.forward(p, x, { batch: B, steps: T, lengths: [6, 2, 5, 1, 6] });
  const g = cell.backward(r, { outputs: { h: seed } });
  return [r.outputs.h, r.final.c, g.params.W_ih, g.params.W_hh, g.x];
}
const maxDiff = (a, b) => Math.max(...a.map((v, i) => Math.max(...v.map((y, j) => Math.abs(y - b[i][j])))));
const sameBytes = (a, b) => a.every((v, i) => v.every((y, j) => Object.is(y, b[i][j])));
try {
  await prepareWasm({ threads: crossOriginIsolated ? 2 : 1 });
  const wasm = LSTM(dims);
  const result = { backend: wasm.backend, isolated: crossOriginIsolated, maxDiff: maxDiff(run(wasm), run(LSTM(dims, { backend: "js" }))) };
  if (crossOriginIsolated) {
    const two = LSTM(dims, { threads: 2 });
    await two.ready;
    result.threadsIdentical = sameBytes(run(two), run(wasm));
    two.dispose();
  }
  globalThis.result = result;
} catch (e) {
  globalThis.result = { error: String(e && e.stack || e) };
}
`;

async function inBrowser(isolated: boolean): Promise<Record<string, unknown>> {
  const file = "examples/lstm.rnn";
  const js = transpileModule(compileToTypeScript(file, readFileSync(join(ROOT, file), "utf8")).code!);
  const server = http.createServer((req, res) => {
    if (isolated) {
      res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
      res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    }
    if (req.url === "/") res.setHeader("Content-Type", "text/html").end('<!doctype html><script type="module" src="/page.js"></script>');
    else if (req.url === "/page.js") res.setHeader("Content-Type", "text/javascript").end(PAGE);
    else if (req.url === "/lstm.js") res.setHeader("Content-Type", "text/javascript").end(js);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const page = await browser!.newPage();
  try {
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, null, { timeout: 60_000 });
    return (await page.evaluate(() => (globalThis as { result?: unknown }).result)) as Record<string, unknown>;
  } finally {
    await page.close();
    server.close();
  }
}

let browser: Browser | undefined;

describe("a generated module in headless Chromium", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("runs the wasm kernels on the main thread and agrees with the JS kernels", async () => {
    const r = await inBrowser(false);
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ backend: "wasm", isolated: false });
    expect(r.maxDiff as number).toBeLessThan(1e-5);
  }, 90_000);

  it("runs two threads when cross-origin isolated, with the bytes of one thread", async () => {
    const r = await inBrowser(true);
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ backend: "wasm", isolated: true, threadsIdentical: true });
    expect(r.maxDiff as number).toBeLessThan(1e-5);
  }, 90_000);
});
