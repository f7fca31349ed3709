// harness.js — shared steps of the flow tests: bundle the official-SDK host page, serve it on another
// origin, open it in Chromium, read the recorded log, and drive the flow's pages.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { serveHostPage } from '../lib/browser.js';
import { repoRoot } from '../lib/server.js';

/** @typedef {{ kind: string, name: string, data: any, at: number, widget?: string }} Entry */

let bundle = /** @type {string | null} */ (null);
async function hostBundle() {
  if (bundle) return bundle;
  const out = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./host-entry.js', import.meta.url))],
    bundle: true, format: 'iife', write: false, minify: false,
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  bundle = out.outputFiles[0].text;
  return bundle;
}

const HOST_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Integrator</title></head>
<body><main><h1>Integrator page</h1><div id="inline" style="width:420px"></div><div id="react"></div></main>
<script src="/host.js"></script></body></html>`;

/** The host page on http://127.0.0.1:PORT (a different origin from the server's http://localhost:PORT). */
export async function startHost() {
  return serveHostPage({
    '/': ['text/html; charset=utf-8', HOST_HTML],
    '/done': ['text/html; charset=utf-8', '<!doctype html><html lang="en"><title>Done</title><h1>Back at the integrator</h1></html>'],
    '/host.js': ['text/javascript; charset=utf-8', await hostBundle()],
  });
}

/**
 * Opens the host page and starts a flow.
 * @param {import('playwright-core').Browser} browser
 * @param {{ url: (p: string) => string }} host
 * @param {'startModal' | 'startInline' | 'startReact'} mode
 * @param {Record<string, unknown>} options persona ClientOptions (serialisable part)
 */
export async function openFlow(browser, host, mode, options) {
  const context = await browser.newContext();
  const page = await context.newPage();
  /** @type {string[]} */
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(host.url('/'));
  await page.evaluate(([m, o]) => /** @type {any} */ (window)[/** @type {string} */ (m)](o), /** @type {const} */ ([mode, options]));
  const frame = page.frameLocator('iframe[src*="/widget"]');
  return { context, page, frame, pageErrors };
}

/** @param {import('playwright-core').Page} page @returns {Promise<Entry[]>} */
export const readLog = (page) => page.evaluate(() => /** @type {any} */ (window).__log);

/**
 * Resolves when the log holds an entry named `name` (of `kind`, if given) matching `pred`.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {{ kind?: string, where?: string }} [opts] `where`: a JS expression over `e` evaluated in the page
 */
export async function waitForEntry(page, name, opts = {}) {
  await page.waitForFunction(
    ([n, k, where]) => /** @type {any} */ (window).__log.some((/** @type {any} */ e) =>
      e.name === n && (!k || e.kind === k) && (!where || new Function('e', `return (${where})`)(e))),
    /** @type {const} */ ([name, opts.kind ?? '', opts.where ?? '']),
    { timeout: 20000 },
  ).catch(async (e) => {
    // Say what did arrive and what the flow shows: a timeout alone explains nothing.
    const log = await readLog(page).catch(() => []);
    const frame = page.frames().find((f) => f.url().includes('/widget'));
    const text = frame ? await frame.locator('body').innerText().catch(() => '?') : 'no flow frame';
    throw new Error(`waiting for ${name}: ${e.message}\nlog: ${JSON.stringify(log.map((x) => [x.kind, x.name, x.data]))}\nflow shows: ${text}`);
  });
  return (await readLog(page)).filter((e) => e.name === name && (!opts.kind || e.kind === opts.kind));
}

/** A small JPEG drawn by the browser itself (no fixtures with personal data). */
export async function makeJpeg(/** @type {import('playwright-core').Page} */ page) {
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 320;
    c.height = 200;
    const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
    ctx.fillStyle = '#dde';
    ctx.fillRect(0, 0, 320, 200);
    ctx.fillStyle = '#124';
    ctx.font = '24px sans-serif';
    ctx.fillText('SPECIMEN', 90, 110);
    return c.toDataURL('image/jpeg', 0.9).split(',')[1];
  });
  return { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(b64, 'base64') };
}

/**
 * Writes the synthetic images (crates/verity-checks/examples/write_fixtures.rs: licences, a passport, a
 * selfie set, no real data) into a fresh directory. `release` builds the example in release (the bench).
 */
export async function writeFixtures(release = false) {
  const dir = await mkdtemp(join(tmpdir(), 'verity-fixtures-'));
  const r = spawnSync('cargo', ['run', '-q', ...(release ? ['--release'] : []), '-p', 'verity-checks', '--example', 'write_fixtures', '--', dir],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('cargo run --example write_fixtures failed');
  return dir;
}

/**
 * A 12 MP (4000×3000) JPEG as a phone takes it, drawn by the browser from a fixture image: the picture
 * filling most of the frame on a grey table, with sensor noise (so it weighs what a phone photo weighs).
 * @param {import('playwright-core').Page} page @param {Buffer} image a PNG or JPEG
 */
export async function phonePhoto(page, image) {
  const b64 = await page.evaluate(async (src) => {
    const img = new Image();
    img.src = src;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = 4000;
    c.height = 3000;
    const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
    ctx.fillStyle = '#8a8f96';
    ctx.fillRect(0, 0, c.width, c.height);
    const w = 3400;
    const h = Math.round((w * img.height) / img.width);
    ctx.drawImage(img, (c.width - w) / 2, (c.height - h) / 2, w, h);
    const data = ctx.getImageData(0, 0, c.width, c.height);
    let seed = 7;
    for (let i = 0; i < data.data.length; i += 4) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = (seed % 13) - 6;
      data.data[i] += n;
      data.data[i + 1] += n;
      data.data[i + 2] += n;
    }
    ctx.putImageData(data, 0, 0);
    return c.toDataURL('image/jpeg', 0.92).split(',')[1];
  }, `data:image/${image[0] === 0x89 ? 'png' : 'jpeg'};base64,${image.toString('base64')}`);
  return { name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(b64, 'base64') };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core inside the flow frame; returns the serious and critical violations (id and targets).
 * @param {import('playwright-core').Page} page
 */
export async function axeViolations(page) {
  const frame = page.frames().find((f) => f.url().includes('/widget'));
  if (!frame) throw new Error('no flow frame');
  await frame.evaluate(axeSource);
  return frame.evaluate(async () => {
    const axe = /** @type {any} */ (window).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((/** @type {any} */ v) => v.impact === 'serious' || v.impact === 'critical')
      .map((/** @type {any} */ v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((/** @type {any} */ n) => n.target.join(' ')) }));
  });
}

/**
 * Resolves once the host page's opening animations have ended: the official Client slides its
 * iframe in, and a click during the slide can miss its target. Infinite animations (spinners)
 * are not waited for.
 * @param {import('playwright-core').FrameLocator} frame
 */
export async function hostAnimationsDone(frame) {
  await frame.owner().evaluate((el) =>
    Promise.all(
      el.ownerDocument
        .getAnimations()
        .filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
}

/** Ticks the consent box once the frame has stopped moving. @param {import('playwright-core').FrameLocator} frame */
export async function checkConsent(frame) {
  await hostAnimationsDone(frame);
  await frame.getByRole('checkbox').check();
}

/** Walks the consent and fields pages of the dynamic demo template. @param {import('playwright-core').FrameLocator} frame */
export async function fillStartAndFields(frame) {
  await checkConsent(frame);
  await frame.getByRole('button', { name: 'Continue' }).click();
  await frame.locator('input[name="name-first"]').fill('Jane');
  await frame.locator('input[name="name-last"]').fill('Doe');
  await frame.locator('input[name="birthdate"]').fill('1990-02-03');
  await frame.getByRole('button', { name: 'Continue' }).click();
}
