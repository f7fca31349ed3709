// documents.test.js — documents read by OCR through the flow, in Chromium with the unmodified official
// `persona` Client: generated images (crates/verity-checks/examples/write_fixtures.rs, no real data) are
// uploaded as a person would, and the server's shipped text models read them (docs/verifications.md
// "Reading documents").
// - A passport's data page: `id_mrz` passes with the zone read from the image (no MRZ text is sent),
//   and the name in the zone is the verification's extracted data.
// - The same page with its printed surname edited (zone kept) fails `id_front_mrz_consistency`, only it.
// - A licence whose printed front was edited (barcode kept) fails `id_front_barcode_consistency`, only it.

import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { hostAnimationsDone, openFlow, startHost, waitForEntry, writeFixtures } from './harness.js';

/** @type {import('../lib/server.js').VerityServer} */
let server;
/** @type {Awaited<ReturnType<typeof startHost>>} */
let host;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {string} */
let fixtures;
/** @type {any} */
let holder;
/** @type {string} */
let templateId;

/** The default required checks (docs/verifications.md §1), an ID step taking passports and licences. */
const template = {
  name: 'Passport or licence, read by OCR',
  kind: 'dynamic',
  steps: [
    { name: 'details', kind: 'fields', 'name-display': 'Details', fields: ['name-first', 'name-last'] },
    { name: 'government-id', kind: 'government_id', 'name-display': 'Government ID', 'id-classes': ['pp', 'dl'] },
    { name: 'done', kind: 'completion', 'name-display': 'Done' },
  ],
  fields: [
    { key: 'name-first', type: 'string', label: 'First name', required: true },
    { key: 'name-last', type: 'string', label: 'Last name', required: true },
  ],
  'allowed-domains': ['localhost', '127.0.0.1'],
};

before(async () => {
  fixtures = await writeFixtures();
  holder = JSON.parse(await readFile(join(fixtures, 'holder.json'), 'utf8'));
  // OCR in a debug build on a shared machine can take longer than the default 30 s limit.
  server = await startServer({ env: { VERITY_CHECKS_POLL_INTERVAL_MS: '100', VERITY_CHECKS_TIME_LIMIT_MS: '180000' } });
  host = await startHost();
  browser = await launchChromium();
  const created = await server.api('/inquiry-templates', { method: 'POST', body: JSON.stringify({ data: { attributes: template } }) });
  templateId = created.data.id;
});
after(async () => {
  await browser?.close();
  await host?.close();
  await server?.stop();
  if (fixtures) await rm(fixtures, { recursive: true, force: true });
});

/**
 * Walks the flow through the official Client: the holder's names, the ID's country and class, then
 * each side uploaded as a file; presses Complete on the page the outcome shows and returns the
 * inquiry's government-ID verification as the API gives it.
 * @param {{ country: string, idClass: string, files: string[], expect: 'completed' | 'failed' }} run
 */
async function verify(run) {
  const { page, frame, pageErrors, context } = await openFlow(browser, host, 'startModal', { templateId, host: `localhost:${server.port}` });
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await frame.locator('input[name="name-first"]').fill(holder['name-first']);
  await frame.locator('input[name="name-last"]').fill(holder['name-last']);
  await hostAnimationsDone(frame);
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();

  await frame.getByLabel('Issuing country').selectOption(run.country);
  await frame.getByLabel('Type of ID').selectOption(run.idClass);
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();
  for (const [i, file] of run.files.entries()) {
    await frame.getByRole('heading', { name: i === 0 ? 'Front side' : 'Back side' }).waitFor();
    await frame.locator('input[type=file]').setInputFiles(join(fixtures, file));
  }
  await waitForEntry(page, 'documents-save-successful', { kind: 'event' });
  const heading = run.expect === 'completed' ? 'Thank you' : 'Verification not completed';
  // OCR in a debug build takes seconds a side.
  await frame.getByRole('heading', { name: heading }).waitFor({ timeout: 200_000 });
  await frame.getByRole('button', { name: 'Complete' }).click();
  const [done] = run.expect === 'completed'
    ? await waitForEntry(page, 'onComplete', { kind: 'callback' })
    : await waitForEntry(page, 'fail', { kind: 'event' });
  assert.equal(done.data.status, run.expect);
  assert.deepEqual(pageErrors, []);
  await context.close();
  const api = await server.api(`/inquiries/${done.data.inquiryId}?include=verifications`);
  assert.equal(api.data.attributes.status, run.expect);
  const id = api.included.find((/** @type {any} */ v) => v.type === 'verification/government-id');
  assert.ok(id, JSON.stringify(api.included));
  return id.attributes;
}

/** @param {any} verification @returns {string[]} */
const failedChecks = (verification) =>
  verification.checks.filter((/** @type {any} */ c) => c.status === 'failed').map((/** @type {any} */ c) => c.name);
/** @param {any} verification @param {string} name */
const check = (verification, name) => verification.checks.find((/** @type {any} */ c) => c.name === name);

test('a passport data page: id_mrz passes on the zone read from the image, and its name is the extracted data', { timeout: 300_000 }, async () => {
  const v = await verify({ country: holder.passport.country, idClass: 'pp', files: ['passport-valid.png'], expect: 'completed' });
  assert.equal(v.status, 'passed');
  assert.deepEqual(failedChecks(v), [], JSON.stringify(v.checks));
  const mrz = check(v, 'id_mrz');
  assert.equal(mrz.status, 'passed', JSON.stringify(mrz));
  assert.equal(mrz.details.source, 'ocr', 'read from the image: the flow sends no MRZ text');
  assert.equal(mrz.details.format, 'td3');
  assert.equal(check(v, 'id_front_mrz_consistency').status, 'passed');
  assert.equal(v['extracted-data'].source, 'mrz');
  assert.equal(v['extracted-data'].name_last, holder.passport['name-last']);
  assert.equal(v['extracted-data'].name_first, holder.passport['name-first']);
});

test('a passport whose printed surname was edited (zone kept) fails id_front_mrz_consistency and only it', { timeout: 300_000 }, async () => {
  const v = await verify({ country: holder.passport.country, idClass: 'pp', files: ['passport-edited-front.png'], expect: 'failed' });
  assert.equal(v.status, 'failed');
  assert.deepEqual(failedChecks(v), ['id_front_mrz_consistency'], JSON.stringify(v.checks));
  assert.equal(check(v, 'id_mrz').status, 'passed');
  const reasons = check(v, 'id_front_mrz_consistency').reasons;
  assert.ok(reasons.some((/** @type {string} */ r) => r.startsWith('name_last:')), JSON.stringify(reasons));
});

test('a licence whose printed front was edited (barcode kept) fails id_front_barcode_consistency and only it', { timeout: 300_000 }, async () => {
  const v = await verify({ country: 'US', idClass: 'dl', files: ['licence-edited-front-front.png', 'licence-edited-front-back.png'], expect: 'failed' });
  assert.equal(v.status, 'failed');
  assert.deepEqual(failedChecks(v), ['id_front_barcode_consistency'], JSON.stringify(v.checks));
  assert.equal(check(v, 'id_barcode').status, 'passed');
  const reasons = check(v, 'id_front_barcode_consistency').reasons;
  assert.ok(reasons.some((/** @type {string} */ r) => r.startsWith('name_last:')), JSON.stringify(reasons));
});
