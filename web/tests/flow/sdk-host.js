// sdk-host.js — an integrator's page that uses Verity's own SDK (web/sdk/dist/verity.js, the file the
// server ships) on another origin (127.0.0.1) than the flow (localhost), recording callbacks and events
// in `window.__log` in the shape harness.js reads (readLog, waitForEntry, axeViolations work on it).
// Used by the language, accessibility and phone tests; harness.js keeps the official-SDK host page.

import { readFile } from 'node:fs/promises';
import { serveHostPage } from '../lib/browser.js';

const HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Integrator</title></head>
<body><main><h1>Integrator page</h1><p>Checkout</p></main>
<script type="module">
import { Client } from '/verity.js';
const log = (window.__log = []);
const rec = (kind, name, data) => log.push({ kind, name, data: data === undefined ? null : JSON.parse(JSON.stringify(data)), at: performance.now() });
window.startModal = (options) => {
  const client = (window.__client = new Client({
    ...options,
    onLoad: () => rec('callback', 'onLoad'),
    onReady: () => { rec('callback', 'onReady'); client.open(); },
    onComplete: (x) => rec('callback', 'onComplete', x),
    onCancel: (x) => rec('callback', 'onCancel', x),
    onError: (x) => rec('callback', 'onError', x),
    onEvent: (name, meta) => rec('event', name, meta),
  }));
};
window.__ready = true;
</script></body></html>`;

/** Serves the host page and the SDK bundle. */
export async function startSdkHost() {
  const sdk = await readFile(new URL('../../sdk/dist/verity.js', import.meta.url), 'utf8');
  return serveHostPage({
    '/': ['text/html; charset=utf-8', HTML],
    '/verity.js': ['text/javascript; charset=utf-8', sdk],
  });
}

/**
 * Opens the host page in a new context and starts the modal flow with our SDK.
 * @param {import('playwright-core').Browser} browser
 * @param {{ url: (p: string) => string }} host
 * @param {Record<string, unknown>} options ClientOptions (serialisable part; `host` is the server's origin)
 * @param {import('playwright-core').BrowserContextOptions} [contextOptions] locale, viewport, touch…
 * @param {() => void} [init] a script run in every frame before its own scripts (a recorder)
 * @returns the page, the flow's frame, the page's errors and `nextChooser` (`fileChoosers`, caught from the start)
 */
export async function openSdkFlow(browser, host, options, contextOptions = {}, init = undefined) {
  const context = await browser.newContext(contextOptions);
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  /** @type {string[]} */
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  const nextChooser = fileChoosers(page);
  await page.goto(host.url('/'));
  await page.waitForFunction(() => /** @type {any} */ (window).__ready === true);
  await page.evaluate((o) => /** @type {any} */ (window).startModal(o), options);
  const frame = page.frameLocator('iframe[src*="/widget"]');
  return { context, page, frame, pageErrors, nextChooser };
}

/**
 * Catches every file chooser `page` opens, from now on; returns a function that resolves with the next one
 * (failing after 10 s with a message). Listening from the start keeps playwright's chooser interception on
 * throughout: a listener added at the moment of the click or key press races the interception being
 * switched on in the flow's out-of-process frame, and a chooser opened before it is lost.
 * @param {import('playwright-core').Page} page
 */
export function fileChoosers(page) {
  /** @type {import('playwright-core').FileChooser[]} */
  const opened = [];
  /** @type {((c: import('playwright-core').FileChooser) => void)[]} */
  const waiting = [];
  page.on('filechooser', (c) => {
    const w = waiting.shift();
    if (w) w(c);
    else opened.push(c);
  });
  return () => {
    const ready = opened.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no file chooser opened within 10 s')), 10_000);
      waiting.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  };
}

/** The flow's frame (for evaluate). @param {import('playwright-core').Page} page */
export function flowFrame(page) {
  const frame = page.frames().find((f) => f.url().includes('/widget'));
  if (!frame) throw new Error('no flow frame');
  return frame;
}

/**
 * Waits until the camera preview plays and the shutter is enabled, then at once (in the same task, so
 * auto-capture cannot fire first) detaches the stream: the preview stays laid out but auto-capture idles
 * (it skips frames while the video has no data), so a test can look at the page or upload instead.
 * @param {import('playwright-core').Page} page
 */
export async function holdPreview(page) {
  await flowFrame(page).waitForFunction(() => {
    const video = document.querySelector('video');
    const shutter = video?.closest('.capture')?.querySelector('button[disabled]');
    if (!video || video.readyState < 2 || shutter) return false;
    video.srcObject = null;
    return true;
  }, undefined, { timeout: 20_000 });
}

/** A recorder for `openSdkFlow`'s `init`: every text the flow's aria-live region (#live) announces. */
export function recordAnnouncements() {
  /** @type {string[]} */
  const heard = [];
  /** @type {any} */ (window).__heard = heard;
  new MutationObserver(() => {
    const text = document.getElementById('live')?.textContent;
    if (text && heard[heard.length - 1] !== text) heard.push(text);
  }).observe(document, { subtree: true, childList: true, characterData: true });
}
