// demo-page.test.js — the demo host page as the real server serves it (`verity serve` with `demo` on, at
// /demo/ on 127.0.0.1, the flow on localhost): it opens with the seeded active ID-and-selfie template
// chosen, not the legacy or the inactive one, whatever order the server lists them in (web/demo/demo.js
// loadTemplates), and Start opens that template's flow.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

/** @type {import('../lib/server.js').VerityServer} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the demo page opens with the active ID-and-selfie template selected', { timeout: 60_000 }, async () => {
  const listed = await (await fetch(`http://127.0.0.1:${server.port}/demo/api/templates`)).json();
  assert.ok(listed.length >= 3, 'the seeded templates are listed');
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.port}/demo/`);
  await page.waitForSelector(`#template option[value="${server.templates.dynamic}"]`, { state: 'attached' });
  assert.equal(await page.locator('#template').inputValue(), server.templates.dynamic);
  const chosen = listed.find((/** @type {any} */ t) => t.id === server.templates.dynamic);
  assert.deepEqual({ name: chosen.name, kind: chosen.kind, status: chosen.status }, { name: 'Demo: ID and selfie', kind: 'dynamic', status: 'active' });
  await page.click('#start');
  const frame = page.frameLocator('iframe[src*="/widget"]');
  await frame.getByRole('heading', { name: 'Verify your identity' }).waitFor();
  await frame.getByRole('checkbox').check();
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();
  await frame.locator('input[name="name-first"]').fill('Jane');
  await frame.locator('input[name="name-last"]').fill('Doe');
  await frame.locator('input[name="birthdate"]').fill('1990-02-03');
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();
  // The chosen template goes on to the government ID step.
  await frame.getByRole('heading', { name: 'Government ID' }).waitFor();
  await page.close();
});
