// flow-ready.mjs — docs/contract.md §7.4 benchmark: median and p95 over 30 runs of `new Client(...)` → `onReady` in
// headless Chromium on 127.0.0.1 (the official `persona` Client, host page on another origin, a dynamic
// template, so each run also creates an inquiry), and the gzipped bytes of everything the widget frame
// loads before `ready`. Targets: median < 150 ms, < 40 KB. Run: `npm run bench:flow` in web/.
// Exits non-zero when a target is missed, so it can gate CI if wanted.

import { gzipSync } from 'node:zlib';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { startHost } from '../flow/harness.js';

const RUNS = Number(process.env.RUNS || 30);
const server = await startServer();
const host = await startHost();
const browser = await launchChromium();

/** @param {import('playwright-core').Page} page */
const timeToReady = (page) =>
  page.evaluate(
    ([templateId, h]) =>
      new Promise((resolve) => {
        const t0 = performance.now();
        const w = /** @type {any} */ (window);
        let loaded = 0;
        const client = new w.PersonaClient({
          templateId, host: h,
          onLoad: () => { loaded = performance.now() - t0; },
          onReady: () => { resolve([performance.now() - t0, loaded]); client.destroy(); },
        });
      }),
    /** @type {const} */ ([server.templates.dynamic, `localhost:${server.port}`]),
  );

try {
  // Bytes: a cold context, every response of the widget frame until `ready`.
  const cold = await browser.newContext();
  const page = await cold.newPage();
  await page.goto(host.url('/'));
  await page.evaluate(() => { /** @type {any} */ (window).PersonaClient = /** @type {any} */ (window).__PersonaClient; });
  /** @type {Promise<{ url: string, raw: number, gz: number }>[]} */
  const loads = [];
  let ready = false;
  page.on('response', (res) => {
    if (ready || !res.url().startsWith(`http://localhost:${server.port}/`)) return;
    loads.push(res.body().then((b) => ({ url: res.url().replace(/\?.*/, ''), raw: b.length, gz: gzipSync(b, { level: 6 }).length })).catch(() => ({ url: res.url(), raw: 0, gz: 0 })));
  });
  await timeToReady(page);
  ready = true;
  const files = await Promise.all(loads);
  const totalGz = files.reduce((a, f) => a + f.gz, 0);
  await cold.close();

  // Time: one warm context (assets cached after the first run, as after `Client.preload`).
  const ctx = await browser.newContext();
  const times = [];
  const loadTimes = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await ctx.newPage();
    await p.goto(host.url('/'));
    await p.evaluate(() => { /** @type {any} */ (window).PersonaClient = /** @type {any} */ (window).__PersonaClient; });
    const [readyMs, loadMs] = /** @type {number[]} */ (await timeToReady(p));
    times.push(readyMs);
    loadTimes.push(loadMs);
    await p.close();
  }
  await ctx.close();
  times.sort((a, b) => a - b);
  loadTimes.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const p95 = times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)];
  console.log(`flow ready: ${RUNS} runs, median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms (target median < 150 ms)`);
  console.log(`  (of which new Client → onLoad: median ${loadTimes[Math.floor(RUNS / 2)].toFixed(1)} ms; machine load ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores)`);
  for (const f of files) console.log(`  ${f.url}: ${f.raw} B raw, ${f.gz} B gzipped`);
  console.log(`flow bytes before ready: ${totalGz} B gzipped in ${files.length} responses (target < 40960 B)`);
  process.exitCode = median < 150 && totalGz < 40960 ? 0 : 1;
} finally {
  await browser.close();
  await host.close();
  await server.stop();
}
