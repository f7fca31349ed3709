// console.test.js — the operator console in Chromium (docs/console.md): an inquiry made by a real flow run
// (generated licence and selfie images, no real data) that the template's workflow marks for review shows in
// the review queue; a reviewer signs in, sees its images render, approves it with a reason using the
// keyboard alone; the API then says `approved`, a webhook receiver gets `inquiry.approved` with the reason,
// and an admin's audit page lists the image views and the
// decision with the reviewer's email. A second run tags, comments on and redacts an inquiry (the redact
// button waits for the typed id), filters the list by tag and date, and checks a viewer sees no tools.
// axe-core finds no serious or critical violation on any console page, and every page is saved as a
// screenshot under web/tests/artifacts/console/ (git-ignored).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { artifacts, checkPage } from './pages.js';
import { startReceiver } from '../lib/receiver.js';
import { repoRoot, startServer } from '../lib/server.js';

const binary = process.env.VERITY_BIN || join(repoRoot, 'target', 'debug', 'verity');

/** @type {import('../lib/server.js').VerityServer} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {string} */
let fixtures;

/** The synthetic images, from the example `cargo build --workspace --all-targets` already built. */
async function writeFixtures() {
  const dir = await mkdtemp(join(tmpdir(), 'verity-console-fixtures-'));
  const r = spawnSync(join(repoRoot, 'target', 'debug', 'examples', 'write_fixtures'), [dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('write_fixtures failed');
  return dir;
}

/**
 * `verity operator create` on the server's data directory, the password given on standard input.
 * @param {string} email @param {string} role @param {string} password
 */
function createOperator(email, role, password) {
  const r = spawnSync(binary, ['operator', 'create', '--email', email, '--role', role, '--password-stdin'], {
    input: `${password}\n`,
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VERITY_'))), VERITY_DATA_DIR: join(server.dataDir, 'data') },
  });
  assert.equal(r.status, 0, String(r.stderr));
}

const REVIEW_TEMPLATE = {
  name: 'Manual review', kind: 'dynamic',
  steps: [
    { name: 'details', kind: 'fields', 'name-display': 'Details', fields: ['name-first', 'name-last', 'birthdate'] },
    { name: 'government-id', kind: 'government_id', 'name-display': 'ID', 'id-classes': ['dl'] },
    { name: 'selfie', kind: 'selfie', 'name-display': 'Selfie', poses: ['center', 'left', 'right'] },
    { name: 'done', kind: 'completion', 'name-display': 'Done' },
  ],
  fields: [
    { key: 'name-first', type: 'string', required: true },
    { key: 'name-last', type: 'string', required: true },
    { key: 'birthdate', type: 'date', required: true },
  ],
  'allowed-domains': ['localhost'],
  workflow: [{ name: 'review everything', when: { status: 'completed' }, then: [{ action: 'mark-for-review' }] }],
};

/** Runs the flow API as the individual's browser would, with the valid licence and selfie; the inquiry id. */
async function runFlow() {
  const { data } = await server.api('/inquiry-templates', { method: 'POST', body: JSON.stringify({ data: { attributes: REVIEW_TEMPLATE } }) });
  const base = `http://127.0.0.1:${server.port}/flow/v1/inquiries`;
  const created = await (await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ templateId: data.id }) })).json();
  const id = created.inquiry.id;
  const auth = { authorization: `Bearer ${created.sessionToken}` };
  /** @param {string} step @param {object} body */
  const submit = async (step, body) => {
    const res = await fetch(`${base}/${id}/steps/${step}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, `${step}: ${await res.text()}`);
  };
  /** @param {Record<string, string>} fields @param {string} file */
  const upload = async (fields, file) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('file', new Blob([await readFile(join(fixtures, file))]), file);
    const res = await fetch(`${base}/${id}/documents`, { method: 'POST', headers: auth, body: form });
    assert.equal(res.status, 201, `${file}: ${await res.text()}`);
  };
  const holder = JSON.parse(await readFile(join(fixtures, 'holder.json'), 'utf8'));
  await submit('details', { fields: { 'name-first': holder['name-first'], 'name-last': holder['name-last'], birthdate: holder.birthdate } });
  for (const side of ['front', 'back']) {
    await upload({ kind: 'government_id', side, 'id-class': 'dl', country: 'US', 'capture-method': 'upload' }, `licence-valid-${side}.png`);
  }
  await submit('government-id', {});
  for (const pose of ['center', 'left', 'right']) await upload({ kind: 'selfie', side: pose, 'capture-method': 'auto' }, `selfie-${pose}.jpg`);
  await submit('selfie', {});
  for (let i = 0; i < 600; i++) {
    const { data: inquiry } = await server.api(`/inquiries/${id}`);
    if (inquiry.attributes.status === 'needs_review') return id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the inquiry never reached needs_review');
}


/** Tabs (at most 60 times) until `selector` has the focus. @param {import('playwright-core').Page} page @param {string} selector */
async function tabTo(page, selector) {
  for (let i = 0; i < 60; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

before(async () => {
  await mkdir(artifacts, { recursive: true });
  server = await startServer({ env: {
    VERITY_CHECKS_POLL_INTERVAL_MS: '100', VERITY_WEBHOOK_POLL_INTERVAL_MS: '100', VERITY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
  } });
  fixtures = await writeFixtures();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (fixtures) await rm(fixtures, { recursive: true, force: true });
});

test('a reviewer approves a flow-made needs_review inquiry by keyboard; the audit page shows it', async () => {
  const receiver = await startReceiver();
  await server.api('/webhooks', { method: 'POST', body: JSON.stringify({ data: { attributes: { url: receiver.url, 'enabled-events': ['inquiry.approved'] } } }) });
  const id = await runFlow();
  createOperator('reviewer@example.com', 'reviewer', 'reviewer password 1');
  createOperator('admin@example.com', 'admin', 'admin password 123');
  const origin = `http://127.0.0.1:${server.port}`;
  const context = await browser.newContext();
  const page = await context.newPage();
  /** @type {string[]} */
  const cspErrors = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });

  await page.goto(`${origin}/console/sign-in`);
  await checkPage(page, 'sign-in');
  await page.getByLabel('Email').fill('reviewer@example.com');
  await page.getByLabel('Password').fill('reviewer password 1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/console/queue');
  await page.getByRole('heading', { name: 'Review queue' }).waitFor();
  assert.equal((await page.locator('.badge').textContent())?.trim(), '1');
  await checkPage(page, 'queue');

  await page.getByRole('link', { name: id }).click();
  await page.getByRole('heading', { name: `Inquiry ${id}` }).waitFor();
  const images = page.locator('figure.capture img');
  assert.equal(await images.count(), 5);
  for (let i = 0; i < 5; i++) {
    const img = images.nth(i);
    await img.evaluate((el) => /** @type {HTMLImageElement} */ (el).decode());
    assert.ok(await img.evaluate((el) => /** @type {HTMLImageElement} */ (el).naturalWidth > 0), `image ${i} renders`);
  }
  // Zoom and rotate, from buttons the script adds (no inline style: the CSP would refuse it).
  const first = page.locator('figure.capture').first();
  await first.getByRole('button', { name: 'Rotate' }).click();
  await first.getByRole('button', { name: 'Zoom' }).click();
  assert.equal(await first.getByRole('button', { name: 'Zoom' }).getAttribute('aria-pressed'), 'true');
  assert.match(await images.first().evaluate((el) => /** @type {HTMLElement} */ (el).style.transform), /rotate\(90deg\) scale\(2\)/);
  await checkPage(page, 'inquiry');

  // Keyboard only: Tab to the reason, type it, Tab to Approve, Enter.
  const reason = 'Licence and selfie match on review';
  await page.locator('body').focus();
  await tabTo(page, '#reason');
  await page.keyboard.type(reason);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Approve');
  await page.keyboard.press('Enter');
  await page.getByText('approved', { exact: true }).first().waitFor();
  const { data } = await server.api(`/inquiries/${id}`);
  assert.equal(data.attributes.status, 'approved');
  // The integrator hears of it by webhook, with the reviewer's reason and who decided.
  const hook = await receiver.waitFor((b) => b.data.attributes.name === 'inquiry.approved', 'inquiry.approved');
  assert.equal(hook.data.attributes.payload.meta.reason, reason);
  assert.deepEqual(hook.data.attributes.payload.meta.actor, { kind: 'operator', id: 'reviewer@example.com' });
  await receiver.close();
  await checkPage(page, 'inquiry-approved');

  await page.goto(`${origin}/console/inquiries`);
  await checkPage(page, 'inquiries');
  assert.deepEqual(cspErrors, [], 'no Content-Security-Policy violation');
  await context.close();

  const admin = await browser.newContext();
  const adminPage = await admin.newPage();
  await adminPage.goto(`${origin}/console/sign-in`);
  await adminPage.getByLabel('Email').fill('admin@example.com');
  await adminPage.getByLabel('Password').fill('admin password 123');
  await adminPage.getByRole('button', { name: 'Sign in' }).click();
  await adminPage.waitForURL('**/console/queue');
  await adminPage.goto(`${origin}/console/audit`);
  const rows = adminPage.locator('tbody tr');
  const texts = await rows.allTextContents();
  // Five images, viewed on the page before and again after the decision (never cached: no-store).
  assert.ok(texts.filter((t) => t.includes('image.viewed') && t.includes('reviewer@example.com')).length >= 5, texts.join('\n'));
  assert.ok(texts.some((t) => t.includes('inquiry.approved') && t.includes('reviewer@example.com') && t.includes(reason)), texts.join('\n'));
  await checkPage(adminPage, 'audit');
  await admin.close();
});

/**
 * Signs in at the console in a new context. @param {string} email @param {string} password
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page }>}
 */
async function signIn(email, password) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.port}/console/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/console/queue');
  return { context, page };
}

test('a reviewer tags, comments on and redacts an inquiry; the list filters by tag and date; a viewer sees no tools', async () => {
  const origin = `http://127.0.0.1:${server.port}`;
  const { data: inquiry } = await server.api('/inquiries', {
    method: 'POST',
    body: JSON.stringify({ data: { attributes: { 'inquiry-template-id': server.templates.dynamic, 'reference-id': 'console-tools' } } }),
  });
  const id = inquiry.id;
  createOperator('tools@example.com', 'reviewer', 'tools password 123');
  createOperator('looker@example.com', 'viewer', 'looker password 123');
  const { context, page } = await signIn('tools@example.com', 'tools password 123');
  /** @type {string[]} */
  const cspErrors = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });

  await page.goto(`${origin}/console/inquiries/${id}`);
  await page.getByLabel('New tag').fill('watchlist');
  await page.getByRole('button', { name: 'Add tag' }).click();
  await page.locator('.tag', { hasText: 'watchlist' }).waitFor();
  await page.getByLabel('Comment').fill('Asked for a clearer <b>photo</b>');
  await page.getByRole('button', { name: 'Add comment' }).click();
  await page.locator('.comment-body', { hasText: 'Asked for a clearer <b>photo</b>' }).waitFor();
  const { data: tagged } = await server.api(`/inquiries/${id}`);
  assert.deepEqual(tagged.attributes.tags, ['watchlist']);
  await checkPage(page, 'inquiry-tools');

  // The list, filtered by the tag and today's date, then a filter that matches nothing.
  const today = new Date().toISOString().slice(0, 10);
  await page.goto(`${origin}/console/inquiries`);
  await page.getByLabel('Tag').fill('watchlist');
  await page.getByLabel('Created from').fill(today);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/tag=watchlist/);
  assert.deepEqual(await page.locator('tbody tr td:first-child').allTextContents(), [id]);
  await checkPage(page, 'inquiries-filtered');

  // Redaction: the button waits for the typed id (the server checks it again).
  await page.goto(`${origin}/console/inquiries/${id}`);
  const redact = page.getByRole('button', { name: 'Redact' });
  assert.equal(await redact.isDisabled(), true);
  await page.getByLabel('Inquiry id').fill(id.slice(0, -1));
  assert.equal(await redact.isDisabled(), true);
  await page.getByLabel('Inquiry id').fill(id);
  assert.equal(await redact.isDisabled(), false);
  await redact.click();
  await page.getByText(/^Redacted /).waitFor();
  const { data: redacted } = await server.api(`/inquiries/${id}`);
  assert.ok(redacted.attributes['redacted-at'], 'the API says redacted');
  assert.equal(await page.locator('.comment-body').count(), 0, 'the comments went with the redaction');
  await checkPage(page, 'inquiry-redacted');
  assert.deepEqual(cspErrors, [], 'no Content-Security-Policy violation');
  await context.close();

  const viewer = await signIn('looker@example.com', 'looker password 123');
  await viewer.page.goto(`${origin}/console/inquiries/${id}`);
  assert.equal(await viewer.page.locator('form[action$="/tags"], form[action$="/comments"], form[action$="/redact"]').count(), 0);
  await checkPage(viewer.page, 'inquiry-viewer');
  await viewer.context.close();
});
