import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium"; // Debian's package; no browser download

describe("ThreadPool in a browser", () => {
  it("runs workers from a Blob URL on shared memory when cross-origin isolated, bit-identical to one thread", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
    const bundled = await build({
      entryPoints: [fileURLToPath(new URL("./fixtures/pool-browser.ts", import.meta.url))],
      bundle: true, format: "esm", platform: "browser", write: false,
    });
    const js = bundled.outputFiles[0]!.text;
    const server = http.createServer((req, res) => {
      res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
      res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
      if (req.url === "/") res.setHeader("Content-Type", "text/html").end('<!doctype html><script type="module" src="/pool.js"></script>');
      else if (req.url === "/pool.js") res.setHeader("Content-Type", "text/javascript").end(js);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, null, { timeout: 60_000 });
      const result = await page.evaluate(() => (globalThis as { result?: unknown }).result);
      expect(result).toEqual({ isolated: true, identical: true, nonzero: true });
    } finally {
      await browser.close();
      server.close();
    }
  });
});
