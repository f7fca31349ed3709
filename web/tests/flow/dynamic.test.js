// dynamic.test.js — a complete dynamic-template run through the unmodified official `persona` Client
// (modal), host page on http://127.0.0.1:A, flow on http://localhost:B, fake camera: the callbacks and
// events arrive in the documented order with the documented metadata, and onComplete's fields equal
// what the REST API returns.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { checkConsent, openFlow, readLog, startHost, waitForEntry } from './harness.js';

/** @type {import('../lib/server.js').VerityServer} */
let server;
/** @type {Awaited<ReturnType<typeof startHost>>} */
let host;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await startServer();
  host = await startHost();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await host?.close();
  await server?.stop();
});

test('dynamic template, official Client (modal): full run with camera', { timeout: 90_000 }, async () => {
  const templateId = server.templates.dynamic;
  const { page, frame, pageErrors } = await openFlow(browser, host, 'startModal', {
    templateId, host: `localhost:${server.port}`, fields: { nameFirst: 'Jane' }, referenceId: 'user-42',
  });
  await waitForEntry(page, 'onReady', { kind: 'callback' });

  await checkConsent(frame);
  await frame.getByRole('button', { name: 'Continue' }).click();
  // Prefilled from `fields: { nameFirst }` (sent as fields[name-first]).
  assert.equal(await frame.locator('input[name="name-first"]').inputValue(), 'Jane');
  await frame.locator('input[name="name-last"]').fill('Doe');
  await frame.locator('input[name="birthdate"]').fill('1990-02-03');
  await frame.getByRole('button', { name: 'Continue' }).click();

  await frame.getByLabel('Type of ID').selectOption('dl');
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();
  await frame.getByRole('button', { name: 'Use camera' }).click();
  // Both sides by the manual shutter, each reviewed: the fake camera's pattern is no document, so it is
  // never auto-captured.
  for (const side of ['Front side', 'Back side']) {
    await frame.getByRole('heading', { name: side }).waitFor();
    await frame.getByRole('button', { name: 'Take photo' }).click();
    await frame.getByRole('button', { name: 'Use this photo' }).click();
  }
  await waitForEntry(page, 'documents-save-successful');

  // Selfie: every pose auto-captured (clicking as well would race the auto shutter).
  await frame.getByRole('button', { name: 'Use camera' }).click();
  await waitForEntry(page, 'selfie-camera-capture', { where: "e.data.stepData.files[0].pose === 'right'" });
  await frame.getByRole('button', { name: 'Complete' }).click();
  const [complete] = await waitForEntry(page, 'onComplete', { kind: 'callback' });

  const log = await readLog(page);
  const names = log.map((e) => `${e.kind}:${e.name}`);
  const first = (/** @type {string} */ n) => names.indexOf(n);
  // Order: load, ready, start, then pages.
  assert.ok(first('event:load') >= 0 && first('event:load') < first('event:ready'), names.join());
  assert.ok(first('event:ready') < first('event:start'), names.join());
  assert.ok(first('event:start') < first('event:page-change'), names.join());
  assert.ok(first('callback:onLoad') >= 0 && first('callback:onReady') >= 0);
  const start = log.find((e) => e.name === 'start');
  assert.match(start?.data.inquiryId, /^inq_/);
  const inquiryId = start?.data.inquiryId;

  const pages = log.filter((e) => e.name === 'page-change');
  assert.deepEqual([...new Set(pages.map((p) => p.data.name))], ['start', 'fields', 'government-id', 'selfie', 'completion']);
  for (const p of pages) {
    assert.ok(p.data.pageHeight > 0 && p.data.metadata.pageHeight === p.data.pageHeight, JSON.stringify(p.data));
    assert.equal(typeof p.data.nameDisplay, 'string');
    assert.equal(typeof p.data.path, 'string');
    assert.equal(typeof p.data.pathname, 'string');
  }
  assert.deepEqual(pages.find((p) => p.data.name === 'government-id')?.data.path, 'government_id');

  const ev = (/** @type {string} */ n) => log.filter((e) => e.kind === 'event' && e.name === n).map((e) => e.data);
  assert.deepEqual(ev('document-camera-select'), [{ stepData: { idClass: 'dl' } }]);
  assert.deepEqual(ev('document-camera-capture'), [
    { stepData: { idClass: 'dl', files: [{ side: 'front', captureMethod: 'manual' }] } },
    { stepData: { idClass: 'dl', files: [{ side: 'back', captureMethod: 'manual' }] } },
  ]);
  assert.deepEqual(ev('documents-save-successful'), [
    { stepData: { idClass: 'dl', files: [{ side: 'front', captureMethod: 'manual' }, { side: 'back', captureMethod: 'manual' }] } },
  ]);
  assert.equal(ev('selfie-camera-select').length, 1);
  assert.deepEqual(ev('selfie-camera-capture').map((m) => m.stepData.files[0].pose), ['center', 'left', 'right']);
  for (const m of ev('selfie-camera-capture')) assert.equal(m.stepData.files[0].captureMethod, 'auto');

  // complete event, then onComplete with the same payload; fields equal the API's.
  const [completeEvent] = ev('complete');
  assert.equal(completeEvent.inquiryId, inquiryId);
  assert.equal(completeEvent.status, 'completed');
  assert.deepEqual(complete.data, { inquiryId, status: 'completed', fields: completeEvent.fields });
  assert.ok(first('event:complete') < first('callback:onComplete'));
  const api = await server.api(`/inquiries/${inquiryId}`);
  assert.equal(api.data.attributes.status, 'completed');
  assert.equal(api.data.attributes['reference-id'], 'user-42');
  assert.deepEqual(complete.data.fields, api.data.attributes.fields);
  assert.deepEqual(complete.data.fields['name-last'], { type: 'string', value: 'Doe' });
  assert.deepEqual(complete.data.fields.birthdate, { type: 'date', value: '1990-02-03' });
  assert.deepEqual(pageErrors, []);
});
