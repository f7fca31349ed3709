// receiver.js — a webhook receiver on 127.0.0.1 for the browser tests: records every delivery's parsed
// body and resolves a wait as soon as a matching one arrives (no polling, no sleeps).

import { createServer } from 'node:http';

/** A webhook receiver on 127.0.0.1 that records every delivery's parsed body. */
export async function startReceiver() {
  /** @type {any[]} */
  const got = [];
  /** @type {(() => void)[]} */
  const listeners = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push(JSON.parse(body));
      res.writeHead(204).end();
      for (const l of listeners) l();
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (srv.address()).port;
  /**
   * Resolves with the first delivery matching `pred`, as soon as it arrives.
   * @param {(body: any) => boolean} pred @param {string} what
   */
  const waitFor = (pred, what) => new Promise((resolve, reject) => {
    const check = () => {
      const hit = got.find(pred);
      if (hit) resolve(hit);
      return Boolean(hit);
    };
    if (check()) return;
    const timer = setTimeout(() => reject(new Error(`no webhook ${what}; got ${JSON.stringify(got.map((b) => b.data.attributes.name))}`)), 30_000);
    listeners.push(() => { if (check()) clearTimeout(timer); });
  });
  return { url: `http://127.0.0.1:${port}/hook`, got, waitFor, close: () => new Promise((r) => srv.close(r)) };
}
