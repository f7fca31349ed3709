// react.test.mjs — web/sdk/react in Chromium with real React 19: <Inquiry> mounts the inline flow, follows
// page-change heights, reads the latest callback props without reloading, and cleans up on unmount;
// useVerityClient opens the modal and re-renders when the flow closes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { setup, frameOf, WEB } from './harness.mjs';

/** @type {Awaited<ReturnType<typeof setup>>} */
let env;
/** @type {string} */
let bundle;
before(async () => {
  env = await setup();
  const r = await build({
    stdin: {
      contents: `import * as React from 'react'; import { createRoot } from 'react-dom/client';
        import { flushSync } from 'react-dom';
        import { Inquiry, useVerityClient } from './sdk/react/index.js';
        window.R = { React, createRoot, flushSync, Inquiry, useVerityClient };`,
      resolveDir: WEB,
    },
    bundle: true,
    format: 'iife',
    write: false,
    define: { 'process.env.NODE_ENV': '"development"' },
  });
  bundle = r.outputFiles[0].text;
});
after(() => env.close());

test('<Inquiry> renders the inline flow, keeps it across callback changes, removes it on unmount', async () => {
  const page = await env.page();
  await page.addScriptTag({ content: bundle });
  await page.evaluate((host) => {
    const w = /** @type {any} */ (window);
    const { React, createRoot, flushSync, Inquiry } = w.R;
    w.root = createRoot(document.getElementById('inline'));
    /** @param {string} tag */
    w.show = (tag) =>
      flushSync(() =>
        w.root.render(React.createElement(Inquiry, { templateId: 'itmpl_r', host, className: 'kyc', onComplete: (/** @type {any} */ p) => w.log.push([tag, p.inquiryId]) })),
      );
    w.show('first');
  }, env.flowOrigin);
  const src = await page.locator('.kyc iframe').getAttribute('src');
  const flow = await frameOf(page, 'flow-type=inline');
  await flow.evaluate(() => /** @type {any} */ (window).send({ name: 'page-change', metadata: { pageHeight: 345 } }));
  await page.waitForFunction(() => document.querySelector('.kyc iframe')?.getBoundingClientRect().height == 345);

  await page.evaluate(() => /** @type {any} */ (window).show('second'));
  assert.equal(await page.locator('.kyc iframe').count(), 1);
  assert.equal(await page.locator('.kyc iframe').getAttribute('src'), src, 'a new callback does not reload the flow');
  await flow.evaluate(() => /** @type {any} */ (window).send({ name: 'complete', metadata: { inquiryId: 'inq_r', status: 'completed', fields: {} } }));
  await page.waitForFunction(() => /** @type {any} */ (window).log.length == 1);
  assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).log), [['second', 'inq_r']]);

  await page.evaluate(() => /** @type {any} */ (window).R.flushSync(() => /** @type {any} */ (window).root.unmount()));
  assert.equal(await page.locator('iframe').count(), 0);
  assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).errors), []);
  await page.close();
});

test('useVerityClient opens the modal and re-renders when the flow closes it', async () => {
  const page = await env.page();
  await page.addScriptTag({ content: bundle });
  await page.evaluate((host) => {
    const w = /** @type {any} */ (window);
    const { React, createRoot, useVerityClient } = w.R;
    function App() {
      const m = useVerityClient({ templateId: 'itmpl_m', host, ...w.record('m') });
      return React.createElement('button', { id: 'go', onClick: m.open }, m.isOpen ? 'open' : 'closed');
    }
    createRoot(document.getElementById('inline')).render(React.createElement(App));
  }, env.flowOrigin);
  await page.waitForSelector('.verity-overlay', { state: 'attached' });
  await page.click('#go');
  await page.waitForSelector('#go:text("open")');
  assert.equal(await page.locator('.verity-overlay').isVisible(), true);
  const flow = await frameOf(page, 'flow-type=embedded');
  await flow.evaluate(() => /** @type {any} */ (window).send({ name: 'exit', metadata: {} }));
  await page.waitForSelector('#go:text("closed")');
  assert.equal(await page.locator('.verity-overlay').isVisible(), false);
  assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).errors), []);
  await page.close();
});
