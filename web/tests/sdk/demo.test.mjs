// demo.test.mjs — the demo host page (web/demo) with the bundled SDK (dist/verity.js): it lists templates
// from /demo/api/templates, opens the flow as a modal on the other origin, logs callbacks and events, and
// shows the API's status for the inquiry. The demo API and the flow are test fixtures here (harness.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { setup, serve, frameOf, WEB } from './harness.mjs';

/** @type {Awaited<ReturnType<typeof setup>>} */
let env;
/** @type {Awaited<ReturnType<typeof serve>>} */
let demo;
before(async () => {
  env = await setup();
  const types = /** @type {Record<string, string>} */ ({ html: 'text/html', js: 'text/javascript', css: 'text/css' });
  demo = await serve(async (_req, url) => {
    const p = url.pathname;
    if (p === '/sdk/v1/verity.js') return [200, 'text/javascript', await readFile(WEB + 'sdk/dist/verity.js', 'utf8')];
    // As the server lists them: newest first, so the inactive template comes before the one to start with.
    if (p === '/demo/api/templates') return [200, 'application/json', JSON.stringify([
      { id: 'itmpl_off', name: 'Demo: inactive', kind: 'dynamic', status: 'inactive', steps: ['start', 'completion'] },
      { id: 'tmpl_legacy', name: 'Demo: legacy', kind: 'legacy', status: 'active', steps: ['start', 'fields', 'completion'] },
      { id: 'itmpl_demo', name: 'Demo KYC', kind: 'dynamic', status: 'active', steps: ['start', 'government_id', 'selfie', 'completion'] },
    ])];
    if (p.startsWith('/demo/api/inquiries/')) return [200, 'application/json', JSON.stringify({ id: p.split('/').pop(), status: 'completed' })];
    const m = /^\/demo\/(index\.html|demo\.js|demo\.css)?$/.exec(p);
    if (m) {
      const f = m[1] || 'index.html';
      return [200, types[f.split('.').pop() || 'html'], await readFile(WEB + 'demo/' + f, 'utf8')];
    }
  });
});
after(async () => {
  await demo.close();
  await env.close();
});

test('the demo opens a template as a modal and shows callbacks beside the API status', async () => {
  const page = await env.browser.newPage();
  await page.goto(`http://127.0.0.1:${demo.port}/demo/`);
  await page.waitForSelector('#template option[value="itmpl_demo"]', { state: 'attached' });
  assert.equal(await page.locator('#template').inputValue(), 'itmpl_demo', 'opens on the active ID-and-selfie template');
  await page.fill('#host', env.flowOrigin);
  await page.click('#start');
  const flow = await frameOf(page, 'inquiry-template-id=itmpl_demo');
  await flow.evaluate(() => /** @type {any} */ (window).send({ name: 'load' }));
  await flow.evaluate(() => /** @type {any} */ (window).send({ name: 'complete', metadata: { inquiryId: 'inq_demo', status: 'completed', fields: {} } }));
  await page.waitForSelector('#log li.callback:has-text("onComplete()")');
  await page.waitForSelector('#status:has-text("inq_demo")');
  assert.match(await page.locator('#status').innerText(), /"status": "completed"/);
  assert.ok((await page.locator('#log li.event').count()) >= 2);
  await page.close();
});
