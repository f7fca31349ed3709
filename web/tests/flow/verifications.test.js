// verifications.test.js — docs/verifications.md's stale-status case, in Chromium through the unmodified official
// `persona` Client: generated licence and selfie images (verity-checks' fixture generator, no real data)
// are uploaded through the flow; the flow shows its checking screen until the server's checks decide,
// the individual presses Complete and the host page's onComplete says `completed`; a moment later the
// template's workflow (`wait`, then `approve`) approves the inquiry, which the REST API and a real
// webhook receiver show — so the status onComplete carried is stale, as the contract warns (docs/contract.md §2).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { repoRoot, startServer } from '../lib/server.js';
import { startReceiver } from '../lib/receiver.js';
import { hostAnimationsDone, openFlow, startHost, waitForEntry } from './harness.js';

/** @type {import('../lib/server.js').VerityServer} */
let server;
/** @type {Awaited<ReturnType<typeof startHost>>} */
let host;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {string} */
let fixtures;
/** @type {Awaited<ReturnType<typeof startReceiver>>} */
let receiver;

/** Writes the synthetic images (crates/verity-checks/examples/write_fixtures.rs) into a fresh directory. */
async function writeFixtures() {
  const dir = await mkdtemp(join(tmpdir(), 'verity-fixtures-'));
  const r = spawnSync('cargo', ['run', '-q', '-p', 'verity-checks', '--example', 'write_fixtures', '--', dir],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('cargo run --example write_fixtures failed');
  return dir;
}


before(async () => {
  fixtures = await writeFixtures();
  server = await startServer({ env: {
    VERITY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', VERITY_WEBHOOK_POLL_INTERVAL_MS: '100', VERITY_CHECKS_POLL_INTERVAL_MS: '100',
  } });
  host = await startHost();
  browser = await launchChromium();
  receiver = await startReceiver();
});
after(async () => {
  await browser?.close();
  await host?.close();
  await server?.stop();
  await receiver?.close();
  if (fixtures) await rm(fixtures, { recursive: true, force: true });
});

/**
 * Opens the flow through the official Client and walks it with the generated licence `variant` and a
 * valid selfie set, up to the last upload.
 * @param {string} templateId @param {string} variant
 */
async function uploadLicence(templateId, variant) {
  const holder = JSON.parse(await readFile(join(fixtures, 'holder.json'), 'utf8'));
  const opened = await openFlow(browser, host, 'startModal', { templateId, host: `localhost:${server.port}` });
  const { page, frame } = opened;
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await frame.locator('input[name="name-first"]').fill(holder['name-first']);
  await frame.locator('input[name="name-last"]').fill(holder['name-last']);
  await frame.locator('input[name="birthdate"]').fill(holder.birthdate);
  // The official Client slides its iframe in: a click during the slide can miss.
  await hostAnimationsDone(frame);
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();

  await frame.getByLabel('Type of ID').selectOption('dl');
  await frame.getByRole('button', { name: 'Continue', exact: true }).click();
  await frame.locator('input[type=file]').setInputFiles(join(fixtures, `licence-${variant}-front.png`));
  await frame.getByRole('heading', { name: 'Back side' }).waitFor();
  await frame.locator('input[type=file]').setInputFiles(join(fixtures, `licence-${variant}-back.png`));
  await waitForEntry(page, 'documents-save-successful', { kind: 'event' });
  const poses = { center: 'Look straight at the camera', left: 'Turn your head to the left', right: 'Turn your head to the right' };
  for (const [pose, heading] of Object.entries(poses)) {
    await frame.getByRole('heading', { name: heading }).waitFor();
    await frame.locator('input[type=file]').setInputFiles(join(fixtures, `selfie-${pose}.jpg`));
  }
  return opened;
}

/** A strict template (the default required checks) whose workflow approves completed inquiries after a wait. */
const strictTemplate = {
  name: 'Strict ID, approve after a cool-off',
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
  // Long enough that the individual presses Complete before it ends: that is the stale-status case.
  workflow: [{ name: 'approve after a cool-off', when: { status: 'completed' }, then: [{ action: 'wait', seconds: 4 }, { action: 'approve' }] }],
};

test('generated licence: onComplete says completed, the workflow approves a moment later (API and webhooks)', { timeout: 120_000 }, async () => {
  await server.api('/webhooks', { method: 'POST', body: JSON.stringify({ data: { attributes: { url: receiver.url, 'enabled-events': ['*'] } } }) });
  const template = await server.api('/inquiry-templates', { method: 'POST', body: JSON.stringify({ data: { attributes: strictTemplate } }) });

  const { page, frame, pageErrors } = await uploadLicence(template.data.id, 'valid');

  // The flow says it is checking (at least until its first look at the outcome), then shows the
  // completion page once the checks decided; its Complete button tells the host page.
  await frame.getByRole('heading', { name: 'Checking your documents' }).waitFor();
  await frame.getByRole('button', { name: 'Complete' }).click();
  const [complete] = await waitForEntry(page, 'onComplete', { kind: 'callback' });
  assert.equal(complete.data.status, 'completed');
  const inquiryId = complete.data.inquiryId;

  // A moment later the workflow approves: a webhook says so, and so does the API.
  const approved = await receiver.waitFor((b) => b.data.attributes.name === 'inquiry.approved' && b.data.attributes.payload.data.id === inquiryId, 'inquiry.approved');
  assert.equal(approved.data.attributes.payload.data.attributes.status, 'approved');
  const api = await server.api(`/inquiries/${inquiryId}?include=verifications`);
  assert.equal(api.data.attributes.status, 'approved');
  // The log's `at` is performance.now(): on the wall clock, onComplete came before the approval.
  const onCompleteAt = (await page.evaluate(() => performance.timeOrigin)) + complete.at;
  assert.ok(onCompleteAt < Date.parse(api.data.attributes['decisioned-at']), 'onComplete came before the approval: its status is stale');
  assert.deepEqual(api.included.map((/** @type {any} */ v) => [v.type, v.attributes.status]).sort(),
    [['verification/government-id', 'passed'], ['verification/selfie', 'passed']]);

  // The webhooks tell the whole story in order: both verifications, completed, then approved.
  const names = receiver.got
    .filter((b) => b.data.attributes.payload.data.id === inquiryId || b.data.attributes.payload.data.relationships?.inquiry?.data?.id === inquiryId)
    .map((b) => b.data.attributes.name);
  assert.equal(names.filter((n) => n === 'verification.passed').length, 2, names.join());
  assert.ok(names.lastIndexOf('verification.passed') < names.indexOf('inquiry.completed'), names.join());
  assert.ok(names.indexOf('inquiry.completed') < names.indexOf('inquiry.approved'), names.join());
  assert.deepEqual(pageErrors, []);
});

test('expired licence: the flow shows the failure and sends `fail` with status failed', { timeout: 120_000 }, async () => {
  const template = await server.api('/inquiry-templates', { method: 'POST', body: JSON.stringify({ data: { attributes: { ...strictTemplate, name: 'Strict ID (failure path)' } } }) });
  const { page, frame, pageErrors } = await uploadLicence(template.data.id, 'expired');
  await frame.getByRole('heading', { name: 'Verification not completed' }).waitFor();
  await frame.getByRole('button', { name: 'Complete' }).click();
  // docs/contract.md §4: `fail` = completed with a failing status, metadata { inquiryId, status, fields }.
  const [fail] = await waitForEntry(page, 'fail', { kind: 'event' });
  assert.equal(fail.data.status, 'failed');
  const api = await server.api(`/inquiries/${fail.data.inquiryId}?include=verifications`);
  assert.equal(api.data.attributes.status, 'failed');
  const id = api.included.find((/** @type {any} */ v) => v.type === 'verification/government-id');
  assert.equal(id.attributes.status, 'failed');
  assert.deepEqual(id.attributes.checks.filter((/** @type {any} */ c) => c.status === 'failed').map((/** @type {any} */ c) => c.name), ['id_expiry']);
  assert.deepEqual(pageErrors, []);
});
