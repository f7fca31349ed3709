// faces.test.js — the selfie is judged by the shipped face model, in Chromium through the unmodified
// official `persona` Client: Chromium's fake camera shows a test pattern, not a face, so on a template
// that requires a face the inquiry ends `failed` with `selfie_face_presence` the failing check.
// (The run with real photos that completes is verifications.test.js.)

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { hostAnimationsDone, openFlow, startHost, waitForEntry } from './harness.js';

/** @type {import('../lib/server.js').VerityServer} */
let server;
/** @type {Awaited<ReturnType<typeof startHost>>} */
let host;
/** @type {import('playwright-core').Browser} */
let browser;

/** A template whose one required check is a face in the selfie. */
const faceTemplate = {
  name: 'Face required',
  kind: 'dynamic',
  steps: [
    { name: 'details', kind: 'fields', 'name-display': 'Details', fields: ['name-first', 'name-last'] },
    { name: 'government-id', kind: 'government_id', 'name-display': 'Government ID', 'id-classes': ['dl'] },
    { name: 'selfie', kind: 'selfie', 'name-display': 'Selfie', poses: ['center', 'left', 'right'] },
    { name: 'done', kind: 'completion', 'name-display': 'Done' },
  ],
  fields: [
    { key: 'name-first', type: 'string', label: 'First name', required: true },
    { key: 'name-last', type: 'string', label: 'Last name', required: true },
  ],
  'allowed-domains': ['localhost', '127.0.0.1'],
  'required-checks': { selfie_face_presence: 'pass' },
  // No retakes: each frame is kept at once and the verification judges it (the refusals at upload
  // are capture.test.js's).
  'max-capture-attempts': 0,
};

before(async () => {
  server = await startServer({ env: { VERITY_CHECKS_POLL_INTERVAL_MS: '100' } });
  host = await startHost();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await host?.close();
  await server?.stop();
});

test('fake camera (no face): the inquiry fails on selfie_face_presence, judged by the shipped face model', { timeout: 120_000 }, async () => {
  const template = await server.api('/inquiry-templates', { method: 'POST', body: JSON.stringify({ data: { attributes: faceTemplate } }) });
  const { page, frame, pageErrors } = await openFlow(browser, host, 'startModal', { templateId: template.data.id, host: `localhost:${server.port}` });
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await frame.locator('input[name="name-first"]').fill('Jane');
  await frame.locator('input[name="name-last"]').fill('Doe');
  await hostAnimationsDone(frame);
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();

  await frame.getByLabel('Type of ID').selectOption('dl');
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();
  await frame.getByRole('button', { name: 'Use camera' }).click();
  // The test pattern is no document: never auto-captured, so both sides are taken by hand and reviewed.
  for (const side of ['Front side', 'Back side']) {
    await frame.getByRole('heading', { name: side }).waitFor();
    await frame.getByRole('button', { name: 'Take photo' }).click();
    await frame.getByRole('button', { name: 'Use this photo' }).click();
  }
  await waitForEntry(page, 'documents-save-successful');
  await frame.getByRole('button', { name: 'Use camera' }).click();
  await waitForEntry(page, 'selfie-camera-capture', { where: "e.data.stepData.files[0].pose === 'right'" });
  await frame.getByRole('heading', { name: 'Verification not completed' }).waitFor({ timeout: 60_000 });
  await frame.getByRole('button', { name: 'Complete' }).click();
  const [fail] = await waitForEntry(page, 'fail', { kind: 'event' });
  assert.equal(fail.data.status, 'failed');
  const api = await server.api(`/inquiries/${fail.data.inquiryId}?include=verifications`);
  assert.equal(api.data.attributes.status, 'failed');
  const selfie = api.included.find((/** @type {any} */ v) => v.type === 'verification/selfie');
  assert.equal(selfie.attributes.status, 'failed');
  const unmet = selfie.attributes.checks.filter((/** @type {any} */ c) => c.required && c.status !== 'passed');
  assert.deepEqual(unmet.map((/** @type {any} */ c) => c.name), ['selfie_face_presence']);
  const presence = unmet[0];
  assert.equal(presence.status, 'failed', 'measured by a model, not not_applicable');
  assert.ok(presence.reasons.length > 0, JSON.stringify(presence));
  assert.deepEqual(pageErrors, []);
});
