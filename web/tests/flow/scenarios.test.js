// scenarios.test.js — the flow beyond the happy path, through the unmodified official SDKs: a legacy
// template (`start` only after Continue, `scopes`), a denied camera (`load-camera-failed`, then upload),
// cancel before and after the inquiry exists, resume with the cancel's token, each of the four error
// codes, the inline flow (setupIframe/setupEvents) and persona-react, and an axe-core scan of every page.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { axeViolations, checkConsent, fillStartAndFields, hostAnimationsDone, makeJpeg, openFlow, readLog, startHost, waitForEntry } from './harness.js';

/** @type {import('../lib/server.js').VerityServer} */
let server;
/** @type {Awaited<ReturnType<typeof startHost>>} */
let host;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {import('playwright-core').Browser} */
let deniedBrowser;

before(async () => {
  server = await startServer();
  host = await startHost();
  browser = await launchChromium();
  deniedBrowser = await launchChromium({ camera: 'denied' });
});
after(async () => {
  await browser?.close();
  await deniedBrowser?.close();
  await host?.close();
  await server?.stop();
});

const hostOpt = () => `localhost:${server.port}`;
const UNDEF = '__undefined__'; // how the host page's recorder keeps `undefined` values visible

test('legacy template: start only after Continue, completion sends scopes', { timeout: 60_000 }, async () => {
  const { page, frame, context } = await openFlow(browser, host, 'startModal', { templateId: server.templates.legacy, host: hostOpt() });
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await frame.getByRole('heading', { name: 'Verify your identity' }).waitFor();
  assert.equal((await readLog(page)).filter((e) => e.name === 'start').length, 0, 'no start before Continue');
  await checkConsent(frame);
  await frame.getByRole('button', { name: 'Continue' }).click();
  const [start] = await waitForEntry(page, 'start', { kind: 'event' });
  assert.match(start.data.inquiryId, /^inq_/);
  await frame.locator('input[name="name-first"]').fill('Ada');
  await frame.locator('input[name="name-last"]').fill('Lovelace');
  await frame.getByRole('button', { name: 'Continue' }).click();
  await frame.getByRole('button', { name: 'Complete' }).click();
  const [done] = await waitForEntry(page, 'onComplete', { kind: 'callback' });
  const [event] = await waitForEntry(page, 'complete', { kind: 'event' });
  assert.equal(event.data.fields, undefined);
  assert.deepEqual(event.data.scopes, { 'name-first': 'Ada', 'name-last': 'Lovelace', 'email-address': '' });
  // The official SDK passes `scopes` as onComplete's `fields`.
  assert.deepEqual(done.data, { inquiryId: start.data.inquiryId, status: 'completed', fields: event.data.scopes });
  const api = await server.api(`/inquiries/${start.data.inquiryId}`);
  assert.equal(api.data.attributes.status, 'completed');
  await context.close();
});

test('camera denied: load-camera-failed, then upload works', { timeout: 60_000 }, async () => {
  const { page, frame, context } = await openFlow(deniedBrowser, host, 'startModal', { templateId: server.templates.dynamic, host: hostOpt() });
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await fillStartAndFields(frame);
  await frame.getByLabel('Type of ID').selectOption('id');
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();
  await frame.getByRole('button', { name: 'Use camera' }).click();
  await waitForEntry(page, 'load-camera-failed', { kind: 'event' });
  await frame.getByText('The camera could not be started').first().waitFor();
  assert.equal(await frame.getByRole('button', { name: 'Use camera' }).count(), 0, 'no dead end: only upload is offered');
  const photo = await makeJpeg(page);
  await frame.locator('input[type=file]').setInputFiles(photo);
  await frame.getByRole('heading', { name: 'Back side' }).waitFor();
  await frame.locator('input[type=file]').setInputFiles(photo);
  const [saved] = await waitForEntry(page, 'documents-save-successful', { kind: 'event' });
  assert.deepEqual(saved.data, { stepData: { idClass: 'id', files: [{ side: 'front', captureMethod: 'upload' }, { side: 'back', captureMethod: 'upload' }] } });
  const uploads = (await readLog(page)).filter((e) => e.name === 'document-upload').map((e) => e.data);
  assert.deepEqual(uploads.map((u) => u.stepData.files[0].side), ['front', 'back']);
  // The selfie step falls back to upload too (selfie-record-upload).
  await frame.getByRole('button', { name: 'Use camera' }).click();
  await waitForEntry(page, 'load-camera-failed', { where: "true" });
  for (const pose of ['Look straight at the camera', 'Turn your head to the left', 'Turn your head to the right']) {
    // Each pose renders its own input once the previous image is saved.
    await frame.getByRole('heading', { name: pose }).waitFor();
    await frame.locator('input[type=file]').setInputFiles(photo);
  }
  await waitForEntry(page, 'selfie-record-upload', { where: "e.data.stepData.files[0].pose === 'right'" });
  await frame.getByRole('button', { name: 'Complete' }).click();
  await waitForEntry(page, 'onComplete', { kind: 'callback' });
  await context.close();
});

test('cancel before the inquiry exists: onCancel with both undefined', { timeout: 30_000 }, async () => {
  const { page, frame, context } = await openFlow(browser, host, 'startModal', { templateId: server.templates.legacy, host: hostOpt() });
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await hostAnimationsDone(frame);
  await frame.getByRole('button', { name: 'Close' }).click();
  await frame.getByRole('button', { name: 'Leave' }).click();
  const [cancel] = await waitForEntry(page, 'onCancel', { kind: 'callback' });
  assert.deepEqual(cancel.data, { inquiryId: UNDEF, sessionToken: UNDEF });
  await context.close();
});

test('cancel after the inquiry exists, then resume with the returned token', { timeout: 60_000 }, async () => {
  const first = await openFlow(browser, host, 'startModal', { templateId: server.templates.dynamic, host: hostOpt() });
  await waitForEntry(first.page, 'onReady', { kind: 'callback' });
  await fillStartAndFields(first.frame);
  await first.frame.getByLabel('Type of ID').waitFor();
  // Not forced: the flow asks first; "Stay" keeps it open.
  await first.frame.getByRole('button', { name: 'Close' }).click();
  await first.frame.getByRole('button', { name: 'Stay' }).click();
  assert.equal((await readLog(first.page)).filter((e) => e.name === 'onCancel').length, 0);
  // The host's cancel(true) closes without confirmation.
  await first.page.evaluate(() => /** @type {any} */ (window).__client.cancel(true));
  const [cancel] = await waitForEntry(first.page, 'onCancel', { kind: 'callback' });
  const { inquiryId, sessionToken } = cancel.data;
  assert.match(inquiryId, /^inq_/);
  assert.match(sessionToken, /^vst_/);
  await first.context.close();

  const second = await openFlow(browser, host, 'startModal', { inquiryId, sessionToken, host: hostOpt() });
  const [load] = await waitForEntry(second.page, 'inquiry-load', { kind: 'event' });
  assert.deepEqual(load.data, { inquiryId });
  await waitForEntry(second.page, 'onReady', { kind: 'callback' });
  // Resumes at the first unfinished step, with what was submitted kept.
  await second.frame.getByLabel('Type of ID').waitFor();
  const names = (await readLog(second.page)).map((e) => e.name);
  assert.ok(names.indexOf('inquiry-load') < names.indexOf('ready'));
  const api = await server.api(`/inquiries/${inquiryId}`);
  assert.deepEqual(api.data.attributes.fields['name-last'], { type: 'string', value: 'Doe' });
  await second.context.close();

  // The token of the canceled session no longer works; the cancel's fresh one did.
  const third = await openFlow(browser, host, 'startModal', { inquiryId, sessionToken: 'vst_not-a-real-token', host: hostOpt() });
  const [err] = await waitForEntry(third.page, 'onError', { kind: 'callback' });
  assert.equal(err.data.code, 'unauthenticated');
  await third.context.close();
});

/** Opens a flow expected to fail and returns its onError payload. @param {Record<string, unknown>} options */
async function errorOf(options) {
  const { page, frame, context } = await openFlow(browser, host, 'startModal', { host: hostOpt(), ...options });
  const [err] = await waitForEntry(page, 'onError', { kind: 'callback' });
  const [load] = await waitForEntry(page, 'onLoad', { kind: 'callback' });
  assert.ok(load, 'load is always sent, so the official spinner goes away');
  await frame.locator('[role=alert]').waitFor({ state: 'attached' }); // a human message too (the modal stays closed)
  await context.close();
  return err.data;
}

test('errors: invalid_config 400 (field of the wrong type, unknown field)', { timeout: 30_000 }, async () => {
  const e = await errorOf({ templateId: server.templates.dynamic, fields: { birthdate: 'not-a-date' } });
  assert.equal(e.status, 400);
  assert.equal(e.code, 'invalid_config');
  assert.match(e.message, /birthdate/);
  const unknown = await errorOf({ templateId: server.templates.dynamic, fields: { favouriteColour: 'blue' } });
  assert.equal(unknown.code, 'invalid_config');
});

test('errors: unauthenticated 409 (bad token; pending inquiry without token)', { timeout: 30_000 }, async () => {
  const created = await server.api('/inquiries', {
    method: 'POST',
    body: JSON.stringify({ data: { attributes: { 'inquiry-template-id': server.templates.dynamic } } }),
  });
  const id = created.data.id;
  assert.deepEqual(await errorOf({ inquiryId: id, sessionToken: 'vst_bogus' }), {
    status: 409, code: 'unauthenticated', message: 'the session token is invalid or expired',
  });
  // A `created` inquiry may be opened by id alone...
  const open = await openFlow(browser, host, 'startModal', { inquiryId: id, host: hostOpt() });
  await waitForEntry(open.page, 'onReady', { kind: 'callback' });
  await checkConsent(open.frame);
  await open.frame.getByRole('button', { name: 'Continue' }).click();
  await open.frame.locator('input[name="name-last"]').waitFor();
  await open.context.close();
  // ...but once pending it needs its token.
  const e = await errorOf({ inquiryId: id });
  assert.equal(e.status, 409);
  assert.equal(e.code, 'unauthenticated');
});

test('errors: inactive_template 422', { timeout: 30_000 }, async () => {
  const e = await errorOf({ templateId: server.templates.inactive });
  assert.equal(e.status, 422);
  assert.equal(e.code, 'inactive_template');
});

test('errors: application_error 0 when the server fails', { timeout: 30_000 }, async () => {
  const created = await server.api('/inquiries', {
    method: 'POST',
    body: JSON.stringify({ data: { attributes: { 'inquiry-template-id': server.templates.dynamic } } }),
  });
  // Corrupt the stored row behind the server's back: reading it now fails inside the server.
  execFileSync('sqlite3', [join(server.dataDir, 'data', 'verity.db'), `UPDATE inquiries SET doc = 'corrupt' WHERE id = '${created.data.id}'`]);
  const e = await errorOf({ inquiryId: created.data.id });
  assert.equal(e.status, 0);
  assert.equal(e.code, 'application_error');
  assert.doesNotMatch(e.message, /corrupt|sql/i, 'internal causes are not revealed');
});

test('inline flow (setupIframe/setupEvents) resizes to page-change; persona-react renders the flow', { timeout: 60_000 }, async () => {
  const inline = await openFlow(browser, host, 'startInline', { templateId: server.templates.dynamic, host: hostOpt() });
  await waitForEntry(inline.page, 'onReady', { kind: 'callback' });
  await waitForEntry(inline.page, 'page-change', { kind: 'event' });
  // The page may report its height more than once as it settles (its catalog, fonts): the
  // iframe must follow the latest report.
  const followed = await inline.page.waitForFunction(() => {
    const w = /** @type {any} */ (window);
    const changes = w.__log.filter((/** @type {any} */ e) => e.name === 'page-change' && e.kind === 'event');
    const last = changes[changes.length - 1].data.pageHeight;
    const height = /** @type {HTMLIFrameElement} */ (document.querySelector('#inline iframe')).getBoundingClientRect().height;
    return last > 0 && Math.round(height) === last ? last : false;
  }, undefined, { timeout: 10_000 });
  assert.ok(Number(await followed.jsonValue()) > 0);
  await inline.context.close();

  const react = await openFlow(browser, host, 'startReact', { templateId: server.templates.dynamic, host: hostOpt() });
  await waitForEntry(react.page, 'onReady', { kind: 'callback' });
  const [start] = await waitForEntry(react.page, 'start', { kind: 'event' });
  assert.match(start.data.inquiryId, /^inq_/);
  await react.frame.getByRole('heading', { name: 'Verify your identity' }).waitFor();
  await react.context.close();
});

test('Spanish catalog with language=es', { timeout: 30_000 }, async () => {
  const { page, frame, context } = await openFlow(browser, host, 'startModal', { templateId: server.templates.dynamic, host: hostOpt(), language: 'es' });
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await frame.getByRole('heading', { name: 'Verifique su identidad' }).waitFor();
  await frame.getByRole('button', { name: 'Continuar' }).waitFor();
  await context.close();
});

test('axe-core: no serious or critical violation on any page', { timeout: 90_000 }, async () => {
  const { page, frame, context } = await openFlow(browser, host, 'startModal', { templateId: server.templates.dynamic, host: hostOpt() });
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  /** @type {Record<string, unknown>} */
  const found = {};
  const scan = async (/** @type {string} */ name) => {
    const v = await axeViolations(page);
    if (v.length) found[name] = v;
  };
  await scan('start');
  await hostAnimationsDone(frame);
  await frame.getByRole('button', { name: 'Close' }).click();
  await scan('confirm-dialog');
  await frame.getByRole('button', { name: 'Stay' }).click();
  await checkConsent(frame);
  await frame.getByRole('button', { name: 'Continue' }).click();
  await frame.locator('input[name="name-last"]').waitFor();
  await scan('fields');
  await frame.getByRole('button', { name: 'Continue' }).click(); // empty required fields: errors shown
  await frame.getByText('This field is required.').first().waitFor();
  await scan('fields-with-errors');
  await frame.locator('input[name="name-first"]').fill('Jane');
  await frame.locator('input[name="name-last"]').fill('Doe');
  await frame.locator('input[name="birthdate"]').fill('1990-02-03');
  await frame.getByRole('button', { name: 'Continue' }).click();
  await frame.getByLabel('Type of ID').waitFor();
  await scan('government-id-choose');
  await frame.getByLabel('Type of ID').selectOption('pp');
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();
  await frame.getByRole('button', { name: 'Use camera' }).click();
  await frame.locator('.frame video[data-samples]').waitFor();
  await scan('government-id-camera');
  // The fake camera's pattern is no document, so it is never auto-captured: the manual shutter, reviewed.
  await frame.getByRole('button', { name: 'Take photo' }).click();
  await frame.getByRole('heading', { name: 'Is all the text readable?' }).waitFor();
  await scan('government-id-review');
  await frame.getByRole('button', { name: 'Use this photo' }).click();
  await waitForEntry(page, 'documents-save-successful', { kind: 'event' });
  await frame.getByRole('button', { name: 'Use camera' }).waitFor();
  await scan('selfie');
  const photo = await makeJpeg(page);
  for (const pose of ['Look straight at the camera', 'Turn your head to the left', 'Turn your head to the right']) {
    await frame.getByRole('heading', { name: pose }).waitFor();
    await frame.locator('input[type=file]').setInputFiles(photo);
  }
  await frame.getByRole('button', { name: 'Complete' }).waitFor();
  await scan('completion');
  await context.close();

  const err = await openFlow(browser, host, 'startModal', { templateId: server.templates.inactive, host: hostOpt() });
  await waitForEntry(err.page, 'onError', { kind: 'callback' });
  await err.frame.locator('[role=alert]').waitFor({ state: 'attached' });
  const v = await axeViolations(err.page);
  if (v.length) found.error = v;
  await err.context.close();
  assert.deepEqual(found, {});
});

test('two inline widgets on one page never see each other\'s messages', { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(host.url('/'));
  await page.evaluate((h) => {
    const w = /** @type {any} */ (window);
    w.startInline({ templateId: h.t, host: h.host }, 'widget-a');
    w.startInline({ templateId: h.t, host: h.host }, 'widget-b');
  }, { t: server.templates.dynamic, host: hostOpt() });
  await page.waitForFunction(() => /** @type {any} */ (window).__log.filter((/** @type {any} */ e) => e.name === 'start').length === 2);
  const starts = (await readLog(page)).filter((e) => e.name === 'start');
  assert.deepEqual(starts.map((s) => s.widget).sort(), ['widget-a', 'widget-b']);
  assert.notEqual(starts[0].data.inquiryId, starts[1].data.inquiryId, 'each widget reports its own inquiry');
  // Walk widget A one page further: only A's listener sees its page-change.
  const a = page.frameLocator('iframe[src*="container-id=widget-a"]');
  await checkConsent(a);
  await a.getByRole('button', { name: 'Continue' }).click();
  await page.waitForFunction(() => /** @type {any} */ (window).__log.some((/** @type {any} */ e) => e.name === 'page-change' && e.data.name === 'fields'));
  const fieldsPages = (await readLog(page)).filter((e) => e.name === 'page-change' && e.data.name === 'fields');
  assert.deepEqual(fieldsPages.map((e) => e.widget), ['widget-a']);
  await context.close();
});

test('hosted flow /verify redirects to redirect-uri with inquiry-id, status and reference-id', { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const q = new URLSearchParams({ 'template-id': server.templates.legacy, 'redirect-uri': host.url('/done'), 'reference-id': 'ref-7' });
  const res = await page.goto(`${server.origin}/verify?${q}`);
  assert.match(res?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('input[name="name-first"]').fill('Grace');
  await page.locator('input[name="name-last"]').fill('Hopper');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Complete' }).click();
  await page.waitForURL((u) => u.pathname === '/done');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('status'), 'completed');
  assert.equal(url.searchParams.get('reference-id'), 'ref-7');
  const api = await server.api(`/inquiries/${url.searchParams.get('inquiry-id')}`);
  assert.equal(api.data.attributes.status, 'completed');
  assert.equal(api.data.attributes['reference-id'], 'ref-7');
  // A redirect-uri on a host the template does not allow is refused.
  const bad = await page.goto(`${server.origin}/verify?${new URLSearchParams({ 'template-id': server.templates.legacy, 'redirect-uri': 'https://evil.example/x' })}`);
  assert.equal(bad?.status(), 400);
  await context.close();
});

test('preload page and assets: one HTML, one JS (the pages carry the stylesheet inline); long-cached', async () => {
  const res = await fetch(`${server.origin}/preload`);
  assert.equal(res.status, 200);
  const html = await res.text();
  const assets = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(assets)].map((a) => a.replace(/\?.*/, '')), ['/flow/assets/flow.js']);
  for (const a of new Set(assets)) {
    const r = await fetch(server.origin + a);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('cache-control') ?? '', /immutable/);
  }
});

test('keyboard: Escape in the flow asks to leave; Escape again stays', { timeout: 30_000 }, async () => {
  const { page, frame, context } = await openFlow(browser, host, 'startModal', { templateId: server.templates.legacy, host: hostOpt() });
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await frame.getByRole('checkbox').press('Escape');
  await frame.getByRole('button', { name: 'Stay' }).waitFor({ timeout: 5000 });
  await frame.getByRole('button', { name: 'Stay' }).press('Escape'); // closes the confirmation only
  await frame.getByRole('button', { name: 'Stay' }).waitFor({ state: 'detached', timeout: 5000 });
  assert.equal((await readLog(page)).filter((e) => e.name === 'onCancel').length, 0);
  await frame.getByRole('checkbox').press('Escape');
  await frame.getByRole('button', { name: 'Leave' }).click({ timeout: 5000 });
  await waitForEntry(page, 'onCancel', { kind: 'callback' });
  await context.close();
});
