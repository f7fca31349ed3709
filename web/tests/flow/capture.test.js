// capture.test.js — instant per-capture checks at upload (docs/verifications.md §5), in Chromium through the
// unmodified official `persona` Client with the generated licence and selfie images (verity-checks' fixture
// generator, no real data): a blurred ID front is refused at once with its reason shown and a sharp retake
// is kept; a 12 MP phone photo of the back, chosen from files, travels under 1 MB and its barcode still
// reads; after `max-capture-attempts` (3) refusals the fourth blurred front is kept and the inquiry fails on
// `id_blur`; Chromium's fake camera (a green test pattern, no card) never auto-captures a document.

import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { hostAnimationsDone, openFlow, phonePhoto, startHost, waitForEntry, writeFixtures } from './harness.js';

/** @type {import('../lib/server.js').VerityServer} */
let server;
/** @type {Awaited<ReturnType<typeof startHost>>} */
let host;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {string} */
let fixtures;

/** The default required checks (so blur and the barcode decide) and the default three retakes. */
const strictTemplate = {
  name: 'Strict ID, instant capture checks',
  kind: 'dynamic',
  steps: [
    { name: 'details', kind: 'fields', 'name-display': 'Details', fields: ['name-first', 'name-last', 'birthdate'] },
    { name: 'government-id', kind: 'government_id', 'name-display': 'Government ID', 'id-classes': ['dl'] },
    { name: 'selfie', kind: 'selfie', 'name-display': 'Selfie', poses: ['center', 'left', 'right'] },
    { name: 'done', kind: 'completion', 'name-display': 'Done' },
  ],
  fields: [
    { key: 'name-first', type: 'string', label: 'First name', required: true },
    { key: 'name-last', type: 'string', label: 'Last name', required: true },
    { key: 'birthdate', type: 'date', label: 'Date of birth', required: true },
  ],
  'allowed-domains': ['localhost', '127.0.0.1'],
  'minimum-age': 18,
};

const BLUR_REASON = 'The photo is blurry. Hold the card still, let the camera focus, and take it again.';

before(async () => {
  fixtures = await writeFixtures();
  // A debug build checks slowly (the models load on first use): the time limit is not what is tested here.
  server = await startServer({ env: { VERITY_CHECKS_POLL_INTERVAL_MS: '100', VERITY_CAPTURE_CHECKS_TIME_LIMIT_MS: '60000', VERITY_CHECKS_TIME_LIMIT_MS: '120000' } });
  host = await startHost();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await host?.close();
  await server?.stop();
  if (fixtures) await rm(fixtures, { recursive: true, force: true });
});

/** Opens the flow on a new strict template and walks the details up to the ID's front side. */
async function openAtFront() {
  const template = await server.api('/inquiry-templates', { method: 'POST', body: JSON.stringify({ data: { attributes: strictTemplate } }) });
  const holder = JSON.parse(await readFile(join(fixtures, 'holder.json'), 'utf8'));
  const opened = await openFlow(browser, host, 'startModal', { templateId: template.data.id, host: `localhost:${server.port}` });
  const { page, frame } = opened;
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await frame.locator('input[name="name-first"]').fill(holder['name-first']);
  await frame.locator('input[name="name-last"]').fill(holder['name-last']);
  await frame.locator('input[name="birthdate"]').fill(holder.birthdate);
  await hostAnimationsDone(frame);
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();
  await frame.getByLabel('Type of ID').selectOption('dl');
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();
  await frame.getByRole('heading', { name: 'Front side' }).waitFor();
  return opened;
}

/**
 * Chooses `file` in the capture page's file input; resolves with the upload's answer and the bytes sent.
 * @param {import('playwright-core').Page} page @param {import('playwright-core').FrameLocator} frame
 * @param {string | { name: string, mimeType: string, buffer: Buffer }} file
 */
async function choose(page, frame, file) {
  const answer = page.waitForResponse((r) => r.url().includes('/documents') && r.request().method() === 'POST', { timeout: 30_000 });
  await frame.locator('input[type=file]').setInputFiles(file);
  const response = await answer;
  const sent = response.request().postDataBuffer()?.length ?? 0;
  return { status: response.status(), body: await response.json(), sent };
}

/** Uploads the valid selfie set, pose by pose. @param {import('playwright-core').FrameLocator} frame */
async function uploadSelfies(frame) {
  const poses = { center: 'Look straight at the camera', left: 'Turn your head to the left', right: 'Turn your head to the right' };
  for (const [pose, heading] of Object.entries(poses)) {
    await frame.getByRole('heading', { name: heading }).waitFor();
    await frame.locator('input[type=file]').setInputFiles(join(fixtures, `selfie-${pose}.jpg`));
  }
}

/** The inquiry's government-ID verification, through the REST API. @param {string} inquiryId */
async function idVerification(inquiryId) {
  const api = await server.api(`/inquiries/${inquiryId}?include=verifications`);
  return api.included.find((/** @type {any} */ v) => v.type === 'verification/government-id');
}

test('a blurred front is refused with its reason, a sharp retake is kept, a 12 MP back travels under 1 MB and its barcode reads', { timeout: 180_000 }, async () => {
  const { page, frame, pageErrors } = await openAtFront();
  const refused = await choose(page, frame, join(fixtures, 'licence-blurred-front.png'));
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, 'capture_refused');
  assert.equal(refused.body.error.check, 'id_blur');
  assert.equal(refused.body.error.attemptsLeft, 2);
  await frame.getByRole('alert').filter({ hasText: BLUR_REASON }).waitFor();
  await frame.getByRole('heading', { name: 'Front side' }).waitFor();

  const kept = await choose(page, frame, join(fixtures, 'licence-valid-front.png'));
  assert.equal(kept.status, 201, JSON.stringify(kept.body));
  await frame.getByRole('heading', { name: 'Back side' }).waitFor();
  assert.equal(await frame.getByRole('alert').filter({ hasText: BLUR_REASON }).count(), 0, 'the reason goes once a capture is kept');

  const photo = await phonePhoto(page, await readFile(join(fixtures, 'licence-valid-back.png')));
  assert.ok(photo.buffer.length > 1_000_000, `the phone photo itself is large (${photo.buffer.length} B)`);
  const back = await choose(page, frame, photo);
  assert.equal(back.status, 201, JSON.stringify(back.body));
  assert.ok(back.sent < 1_000_000, `sent ${back.sent} B`);
  await waitForEntry(page, 'documents-save-successful', { kind: 'event' });
  await uploadSelfies(frame);
  await frame.getByRole('button', { name: 'Complete' }).click({ timeout: 60_000 });
  const done = await page.waitForFunction(() => /** @type {any} */ (window).__log
    .find((/** @type {any} */ e) => (e.name === 'onComplete' || e.name === 'fail') && e.data?.inquiryId)?.data.inquiryId);
  const verification = await idVerification(String(await done.jsonValue()));
  const barcode = verification.attributes.checks.find((/** @type {any} */ c) => c.name === 'id_barcode');
  assert.equal(barcode.status, 'passed', JSON.stringify(barcode));
  assert.deepEqual(pageErrors, []);
});

test('the fourth blurred front is kept and the inquiry fails on id_blur', { timeout: 180_000 }, async () => {
  const { page, frame, pageErrors } = await openAtFront();
  for (const left of [2, 1, 0]) {
    const refused = await choose(page, frame, join(fixtures, 'licence-blurred-front.png'));
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.check, 'id_blur');
    assert.equal(refused.body.error.attemptsLeft, left);
    await frame.getByRole('alert').filter({ hasText: BLUR_REASON }).waitFor();
  }
  const kept = await choose(page, frame, join(fixtures, 'licence-blurred-front.png'));
  assert.equal(kept.status, 201, JSON.stringify(kept.body));
  await frame.getByRole('heading', { name: 'Back side' }).waitFor();
  await frame.locator('input[type=file]').setInputFiles(join(fixtures, 'licence-valid-back.png'));
  await waitForEntry(page, 'documents-save-successful', { kind: 'event' });
  await uploadSelfies(frame);
  await frame.getByRole('heading', { name: 'Verification not completed' }).waitFor({ timeout: 60_000 });
  await frame.getByRole('button', { name: 'Complete' }).click();
  const [fail] = await waitForEntry(page, 'fail', { kind: 'event' });
  const verification = await idVerification(fail.data.inquiryId);
  assert.equal(verification.attributes.status, 'failed');
  const failed = verification.attributes.checks.filter((/** @type {any} */ c) => c.status === 'failed').map((/** @type {any} */ c) => c.name);
  assert.ok(failed.includes('id_blur'), failed.join());
  assert.deepEqual(pageErrors, []);
});

test('the fake camera (a test pattern, no card) never auto-captures a document', { timeout: 120_000 }, async () => {
  const { page, frame, pageErrors } = await openAtFront();
  await frame.getByRole('button', { name: 'Use camera' }).click();
  const video = frame.locator('video');
  await video.waitFor();
  // Forty looks at the preview (the auto shutter samples every 100 ms and needs 8 of 10 steady, sharp
  // frames of a card): the pattern is never taken for a card, so nothing is captured.
  await video.evaluate((el) => new Promise((resolve) => {
    const look = () => (Number(/** @type {HTMLElement} */ (el).dataset.samples ?? 0) >= 40 ? resolve(undefined) : requestAnimationFrame(look));
    look();
  }));
  assert.equal(await video.getAttribute('data-document'), 'no');
  const log = await page.evaluate(() => /** @type {any} */ (window).__log);
  assert.equal(log.filter((/** @type {any} */ e) => e.name === 'document-camera-capture').length, 0);
  await frame.getByRole('heading', { name: 'Front side' }).waitFor();
  assert.equal(await frame.getByRole('heading', { name: 'Is all the text readable?' }).count(), 0);
  assert.deepEqual(pageErrors, []);
});
