// flow-ready.mjs — docs/contract.md §7.4 benchmark: median and p95 over 30 runs of `new Client(...)` → `onReady` in
// headless Chromium on 127.0.0.1 (the official `persona` Client, host page on another origin, a dynamic
// template, so each run also creates an inquiry), and the gzipped bytes of everything the widget frame
// loads before `ready`. Beside it, in the same run and interleaved (one flow run, one stand-in run, …), the
// same Client against a stand-in widget: one inline HTML page on another origin that sends `load`, `ready`
// and `start` at once — the fastest a flow can be — so the ratio of the medians says what the flow itself
// costs on this machine, whatever its load. Targets: median < 150 ms, < 40 KB, flow / stand-in <= 1.15.
// Run: `npm run bench:flow` in web/. Exits non-zero when a target is missed, so it can gate CI if wanted.

import { gzipSync } from 'node:zlib';
import { launchChromium, serveHostPage } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { startHost } from '../flow/harness.js';

const RUNS = Number(process.env.RUNS || 30);
const RATIO_TARGET = 1.15;

/** The stand-in widget: posts what the official Client waits for, as the flow does, from one inline page. */
const STAND_IN = `<!doctype html><html lang=en><head><meta charset=utf-8><title>stand-in</title></head><body><script>
const q = new URLSearchParams(location.search);
const send = (name, metadata) => parent.postMessage({ name, containerId: q.get('container-id'),
  templateId: q.get('inquiry-template-id') || q.get('template-id') || undefined, metadata }, q.get('iframe-origin'));
send('load', {}); send('ready', {}); send('start', { inquiryId: 'inq_stand_in' });
</script></body></html>`;

const server = await startServer();
const host = await startHost();
const standIn = await serveHostPage({ '/widget': ['text/html; charset=utf-8', STAND_IN] });
const standInHost = standIn.origin.replace('http://127.0.0.1', 'localhost');
const browser = await launchChromium();

/**
 * @param {import('playwright-core').Page} page
 * @param {string} [h] the Client's `host`
 * @param {boolean} [keep] keep the flow after `onReady` (its responses' bodies are still to be read)
 */
const timeToReady = (page, h = `localhost:${server.port}`, keep = false) =>
  page.evaluate(
    ([templateId, h, keep]) =>
      new Promise((resolve) => {
        const t0 = performance.now();
        const w = /** @type {any} */ (window);
        let loaded = 0;
        const client = new w.PersonaClient({
          templateId, host: h,
          onLoad: () => { loaded = performance.now() - t0; },
          onReady: () => { resolve([performance.now() - t0, loaded]); if (!keep) client.destroy(); },
        });
      }),
    /** @type {const} */ ([server.templates.dynamic, h, keep]),
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
  // The flow stays: a destroyed frame's responses have no body left to read.
  await timeToReady(page, undefined, true);
  ready = true;
  const files = await Promise.all(loads);
  const totalGz = files.reduce((a, f) => a + f.gz, 0);
  await cold.close();

  // Time: one warm context (assets cached after the first run, as after `Client.preload`), the flow and
  // the stand-in taking turns so both see the same machine.
  const ctx = await browser.newContext();
  /** @param {string} [h] */
  const once = async (h) => {
    const p = await ctx.newPage();
    await p.goto(host.url('/'));
    await p.evaluate(() => { /** @type {any} */ (window).PersonaClient = /** @type {any} */ (window).__PersonaClient; });
    const result = /** @type {number[]} */ (await timeToReady(p, h));
    await p.close();
    return result;
  };
  const times = [];
  const loadTimes = [];
  const standInTimes = [];
  for (let i = 0; i < RUNS; i++) {
    const [readyMs, loadMs] = await once();
    times.push(readyMs);
    loadTimes.push(loadMs);
    standInTimes.push((await once(standInHost))[0]);
  }
  await ctx.close();
  /** @param {number[]} xs */
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  /** @param {number[]} xs */
  const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
  const flowMedian = median(times);
  const standInMedian = median(standInTimes);
  const ratio = flowMedian / standInMedian;
  console.log(`flow ready: ${RUNS} runs, median ${flowMedian.toFixed(1)} ms, p95 ${p95(times).toFixed(1)} ms (target median < 150 ms)`);
  console.log(`  (of which new Client → onLoad: median ${median(loadTimes).toFixed(1)} ms; machine load ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores)`);
  console.log(`stand-in ready: ${RUNS} runs, median ${standInMedian.toFixed(1)} ms, p95 ${p95(standInTimes).toFixed(1)} ms (one inline page sending load, ready, start; interleaved with the flow)`);
  console.log(`flow / stand-in: ratio ${ratio.toFixed(2)} (target <= ${RATIO_TARGET})`);
  for (const f of files) console.log(`  ${f.url}: ${f.raw} B raw, ${f.gz} B gzipped`);
  console.log(`flow bytes before ready: ${totalGz} B gzipped in ${files.length} responses (target < 40960 B)`);
  process.exitCode = flowMedian < 150 && totalGz < 40960 && ratio <= RATIO_TARGET ? 0 : 1;
} finally {
  await browser.close();
  await host.close();
  await standIn.close();
  await server.stop();
}
