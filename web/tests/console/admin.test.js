// admin.test.js — the console's admin pages in Chromium (docs/console.md §7, §8): an admin visits the
// templates list and a template (TOML and JSON), the webhooks list and an endpoint with its deliveries,
// the API keys, the operators, the second factor's enrol page and the audit trail; axe-core finds no
// serious or critical violation on any of them, and each is saved as a screenshot under
// web/tests/artifacts/console/ (git-ignored). Then the admin creates an API key with the keyboard, sees
// its secret once, checks it works against the API, and revokes it with a click. A reviewer's navigation
// has no admin links and the pages answer 403.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { artifacts, checkPage } from './pages.js';
import { repoRoot, startServer } from '../lib/server.js';

const binary = process.env.VERITY_BIN || join(repoRoot, 'target', 'debug', 'verity');

/** @type {import('../lib/server.js').VerityServer} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

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

/** The status of an API request made with `key`. @param {string} key */
async function statusWithKey(key) {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/inquiry-templates`, { headers: { authorization: `Bearer ${key}` } });
  return res.status;
}

before(async () => {
  await mkdir(artifacts, { recursive: true });
  server = await startServer({ env: { VERITY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', VERITY_WEBHOOK_POLL_INTERVAL_MS: '100' } });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an admin visits every admin page (axe, screenshots) and creates and revokes an API key', async () => {
  const origin = `http://127.0.0.1:${server.port}`;
  const { data: hook } = await server.api('/webhooks', {
    method: 'POST',
    body: JSON.stringify({ data: { attributes: { url: 'http://127.0.0.1:9/hook', 'enabled-events': ['*'] } } }),
  });
  await server.api('/inquiries', { method: 'POST', body: JSON.stringify({ data: { attributes: { 'inquiry-template-id': server.templates.dynamic } } }) });
  createOperator('chief@example.com', 'admin', 'chief password 123');
  createOperator('helper@example.com', 'reviewer', 'helper password 12');
  const { context, page } = await signIn('chief@example.com', 'chief password 123');
  /** @type {string[]} */
  const cspErrors = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });

  await page.getByRole('link', { name: 'Templates' }).click();
  await page.getByRole('heading', { name: 'Templates' }).waitFor();
  await checkPage(page, 'admin-templates');
  await page.goto(`${origin}/console/templates/${server.templates.dynamic}`);
  await page.getByRole('heading', { name: 'Versions' }).waitFor();
  assert.match(await page.getByLabel('Definition').inputValue(), /\[\[steps\]\]/);
  await checkPage(page, 'admin-template');
  await page.goto(`${origin}/console/templates/${server.templates.dynamic}?format=json`);
  assert.match(await page.getByLabel('Definition').inputValue(), /^\{/);
  await checkPage(page, 'admin-template-json');

  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('link', { name: hook.id }).click();
  await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
  await page.getByRole('cell', { name: 'inquiry.created', exact: true }).first().waitFor();
  await checkPage(page, 'admin-webhook');
  await page.goto(`${origin}/console/webhooks`);
  await checkPage(page, 'admin-webhooks');
  await page.getByRole('link', { name: 'Operators' }).click();
  await page.getByRole('cell', { name: 'helper@example.com', exact: true }).waitFor();
  await checkPage(page, 'admin-operators');
  await page.getByRole('link', { name: 'Second factor' }).click();
  await page.getByRole('heading', { name: 'Set up a second factor' }).waitFor();
  assert.equal(await page.locator('figure.qr svg').count(), 1);
  await checkPage(page, 'admin-totp');

  // An API key, made with the keyboard: its secret once, working; revoked with a click.
  await page.goto(`${origin}/console/api-keys`);
  await page.getByLabel('Name').focus();
  await page.keyboard.type('Chromium key');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'The secret of API key Chromium key' }).waitFor();
  const secret = (await page.locator('.secret-value').textContent())?.trim() ?? '';
  assert.match(secret, /^vk_/);
  await checkPage(page, 'admin-api-key-created');
  assert.equal(await statusWithKey(secret), 200);
  await page.goto(`${origin}/console/api-keys`);
  assert.equal(await page.getByText(secret).count(), 0, 'the secret is shown once');
  await page.getByRole('button', { name: 'Revoke Chromium key' }).click();
  await page.waitForURL('**/console/api-keys');
  assert.equal(await page.getByRole('button', { name: 'Revoke Chromium key' }).count(), 0);
  assert.equal(await statusWithKey(secret), 401);
  await checkPage(page, 'admin-api-keys');

  await page.goto(`${origin}/console/audit?action=api-key.revoked`);
  assert.ok((await page.locator('tbody tr').allTextContents()).some((t) => t.includes('chief@example.com')));
  await checkPage(page, 'admin-audit');
  assert.deepEqual(cspErrors, [], 'no Content-Security-Policy violation');
  await context.close();

  const reviewer = await signIn('helper@example.com', 'helper password 12');
  assert.equal(await reviewer.page.getByRole('link', { name: 'Templates' }).count(), 0, 'no admin links');
  const refused = await reviewer.page.goto(`${origin}/console/api-keys`);
  assert.equal(refused?.status(), 403);
  await reviewer.context.close();
});
