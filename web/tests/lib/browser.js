// browser.js — headless Chromium (/usr/bin/chromium) through playwright-core, with a fake camera, and a
// tiny static server for host pages on a different origin (127.0.0.1) than the Verity server (localhost).

import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const BASE_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--use-fake-device-for-media-stream'];

/**
 * @param {{ camera?: 'granted' | 'denied' }} [opts] `denied`: no fake permission UI, so the camera
 *   request is refused (what a user pressing "Block" produces).
 */
export function launchChromium(opts = {}) {
  const args = [...BASE_FLAGS];
  if (opts.camera !== 'denied') args.push('--use-fake-ui-for-media-stream');
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/**
 * Serves `files` (path → [content type, body]) on 127.0.0.1 at a free port.
 * @param {Record<string, [string, string | Buffer]>} files
 * @returns {Promise<{ origin: string, url: (path: string) => string, close: () => Promise<void> }>}
 */
export async function serveHostPage(files) {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const file = files[path];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (p) => origin + p,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r(undefined)); }),
  };
}
