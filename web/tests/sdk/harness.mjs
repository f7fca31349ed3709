// harness.mjs — what the SDK's Chromium tests share: three origins on loopback and a browser.
// - host  http://127.0.0.1:A  the integrator's page (`/host.html`): loads our SDK from source
//   (`window.verity`) and the official `persona` 5.x SDK (`window.Persona`), records every callback in
//   `window.log`, every uncaught error in `window.errors`, and every message it sees in `window.seen`
//   (a listener added after the clients', so once it saw a message the SDKs have handled it — no sleeps);
// - flow  http://localhost:B  a scripted stand-in for `/widget` (the real one is tested in the
//   differential test): it posts nothing by itself; tests drive it through Playwright with `send(msg)`,
//   and it records host actions in `window.actions`;
// - evil  http://localhost:C  a hostile page on another localhost port.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

export const WEB = fileURLToPath(new URL('../../', import.meta.url));

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

export const launch = () => chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

/**
 * Starts an HTTP server on 127.0.0.1 and a free port.
 * @param {(req: import('node:http').IncomingMessage, url: URL) => Promise<[number, string, string] | undefined> | [number, string, string] | undefined} route
 *   returns [status, content type, body] or undefined for 404
 */
export async function serve(route) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url || '/', 'http://x');
    try {
      const r = await route(req, url);
      if (!r) return res.writeHead(404).end('not found');
      res.writeHead(r[0], { 'content-type': r[1], 'cache-control': 'no-store' }).end(r[2]);
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return { port, close: () => new Promise((ok) => server.close(() => ok(undefined))) };
}

/** The official SDK as an IIFE (`window.Persona`); its ESM build reads `process.env.NODE_ENV`. */
export async function officialBundle() {
  const r = await build({
    entryPoints: [WEB + 'node_modules/persona/dist/persona.mjs'],
    bundle: true,
    format: 'iife',
    globalName: 'Persona',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return r.outputFiles[0].text;
}

const HOST_PAGE = `<!doctype html><html><head><meta charset=utf-8><title>host</title></head><body>
<button id=opener>open</button><main id=app><p>integrator content</p><div id=inline></div></main>
<script src=/persona.js></script>
<script>
  window.log = []; window.errors = []; window.seen = [];
  addEventListener('error', (e) => errors.push(String(e.message)));
  const origError = console.error;
  window.consoleErrors = [];
  console.error = (...a) => { consoleErrors.push(a.map(String).join(' ')); origError(...a); };
  /** callbacks that record into window.log under a tag */
  window.record = (tag) => ({
    onLoad: (...a) => log.push([tag, 'onLoad', ...a]),
    onReady: (...a) => log.push([tag, 'onReady', ...a]),
    onCancel: (...a) => log.push([tag, 'onCancel', ...a]),
    onComplete: (...a) => log.push([tag, 'onComplete', ...a]),
    onError: (...a) => log.push([tag, 'onError', ...a]),
    onEvent: (...a) => log.push([tag, 'onEvent', ...a]),
  });
  /** adds the probe listener; call after creating clients */
  window.watch = () => addEventListener('message', (e) => seen.push(e.data && e.data.probe));
</script>
<script type=module>
  import * as verity from '/sdk/src/index.js';
  window.verity = verity;
  document.body.dataset.ready = '1';
</script></body></html>`;

const FLOW_PAGE = `<!doctype html><html><head><meta charset=utf-8><title>flow</title></head>
<body style="margin:0"><button id=inflow>inside the flow</button><script>
  const q = new URLSearchParams(location.search);
  window.query = Object.fromEntries(q);
  window.actions = [];
  addEventListener('message', (e) => actions.push({ data: e.data, origin: e.origin, fromParent: e.source === parent }));
  /** posts as the flow does: to iframe-origin, with this container id */
  window.send = (m) => parent.postMessage({ containerId: q.get('container-id'), ...m }, q.get('iframe-origin'));
  /** posts anything, verbatim */
  window.raw = (m) => parent.postMessage(m, '*');
</script></body></html>`;

const EVIL_PAGE = `<!doctype html><html><body><script>
  window.raw = (m) => parent.postMessage(m, '*');
</script></body></html>`;

/** Starts the three servers and a browser; `page()` opens a fresh host page. */
export async function setup() {
  const persona = await officialBundle();
  const host = await serve(async (_req, url) => {
    if (url.pathname === '/host.html') return [200, 'text/html', HOST_PAGE];
    if (url.pathname === '/persona.js') return [200, 'text/javascript', persona];
    if (url.pathname.startsWith('/sdk/') && !url.pathname.includes('..'))
      return [200, 'text/javascript', await readFile(WEB + url.pathname.slice(1), 'utf8')];
  });
  const flow = await serve((_req, url) => {
    if (url.pathname === '/widget' || url.pathname === '/other.html') return [200, 'text/html', FLOW_PAGE];
    if (url.pathname === '/preload') return [200, 'text/html', '<!doctype html>preload'];
  });
  const evil = await serve((_req, url) => (url.pathname === '/evil.html' ? [200, 'text/html', EVIL_PAGE] : undefined));
  const browser = await launch();
  const hostOrigin = `http://127.0.0.1:${host.port}`;
  const flowOrigin = `http://localhost:${flow.port}`;
  const evilOrigin = `http://localhost:${evil.port}`;
  return {
    hostOrigin,
    flowOrigin,
    evilOrigin,
    /** the official SDK's `host` for our flow */
    flowHost: `localhost:${flow.port}`,
    browser,
    /** @param {{ width: number, height: number }} [viewport] */
    async page(viewport = { width: 1024, height: 768 }) {
      const page = await browser.newPage({ viewport });
      await page.goto(hostOrigin + '/host.html');
      await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
      return page;
    },
    async close() {
      await browser.close();
      await Promise.all([host.close(), flow.close(), evil.close()]);
    },
  };
}

/**
 * The frame whose URL contains `needle` (waits for it to exist and to have loaded its script).
 * @param {import('playwright-core').Page} page
 * @param {string} needle
 */
export async function frameOf(page, needle) {
  const el = await page.waitForSelector(`iframe[src*="${needle}"]`, { state: 'attached' });
  const f = await el.contentFrame();
  if (!f) throw new Error('no frame for ' + needle);
  await f.waitForFunction(() => typeof (/** @type {any} */ (window).raw) === 'function');
  return f;
}
