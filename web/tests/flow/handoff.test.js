// handoff.test.js — cross-device hand-off (docs/handoff.md) in Chromium with two browser contexts: a desktop host
// page embedding the flow with OUR SDK (the server's /sdk/v1/verity.js), and a phone (mobile viewport)
// opening the one-time link that the desktop had sent by text message (read from the demo outbox, where
// the default `log` sender puts it). The desktop page must see one-time-link-sent, -start, -exit in that
// order, then `complete`; the inquiry must hold the phone's documents. Run twice: one server on SQLite,
// and two server processes on one PostgreSQL database (desktop on one, phone on the other). A third test
// covers what goes wrong: a bad number and a failed send are shown in the flow (and nothing is "sent"),
// the QR code renders, and "Continue on this device" ends the hand-off with one-time-link-exit.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { launchChromium, serveHostPage } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { fillStartAndFields, makeJpeg } from './harness.js';

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** The integrator's page: loads our SDK from the Verity server and records every callback. @param {string} origin */
const hostHtml = (origin) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Integrator</title></head>
<body><main><h1>Integrator page</h1></main><script type="module">
  import { Client } from '${origin}/sdk/v1/verity.js';
  window.log = [];
  window.start = (options) => {
    const client = new Client({ ...options,
      onReady: () => client.open(),
      onEvent: (name, meta) => log.push({ kind: 'event', name, meta }),
      onComplete: (x) => log.push({ kind: 'callback', name: 'onComplete', meta: x }),
      onError: (x) => log.push({ kind: 'callback', name: 'onError', meta: x }),
    });
  };
  document.body.dataset.ready = '1';
</script></body></html>`;

/** @param {import('playwright-core').Page} page @param {string} name */
const waitForEvent = (page, name) =>
  page.waitForFunction((n) => /** @type {any} */ (window).log.some((/** @type {any} */ e) => e.name === n), name, { timeout: 30_000 })
    .catch(async (e) => {
      const log = await page.evaluate(() => /** @type {any} */ (window).log.map((/** @type {any} */ x) => x.name));
      throw new Error(`waiting for ${name}: ${e.message}; log: ${JSON.stringify(log)}`);
    });

/**
 * The whole hand-off. `desktop` serves the host page's flow; the phone opens the link on `phoneServer`.
 * @param {import('../lib/server.js').VerityServer} desktop
 * @param {import('../lib/server.js').VerityServer} phoneServer
 */
async function handOff(desktop, phoneServer) {
  const host = await serveHostPage({ '/': ['text/html; charset=utf-8', hostHtml(desktop.origin)] });
  const desk = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const page = await desk.newPage();
    await page.goto(host.url('/'));
    await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
    // Made by the demo's own endpoint, whose outbox (below) lists only the demo page's inquiries.
    const made = await fetch(`http://127.0.0.1:${desktop.port}/demo/api/inquiries`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ templateId: desktop.templates.dynamic }),
    });
    assert.equal(made.status, 201);
    const { inquiryId: madeId } = await made.json();
    await page.evaluate((o) => /** @type {any} */ (window).start(o), { inquiryId: madeId, host: desktop.origin });
    const frame = page.frameLocator('iframe[src*="/widget"]');
    await fillStartAndFields(frame);

    // The government-ID step offers the hand-off; send the link by text message.
    const number = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    await frame.getByRole('button', { name: 'Continue on your phone' }).click();
    await frame.getByLabel('Mobile number, with country code').fill(number);
    await frame.getByRole('button', { name: 'Send the link by text message' }).click();
    await frame.getByRole('heading', { name: 'Check your phone' }).waitFor();
    await waitForEvent(page, 'one-time-link-sent');

    // The link as the phone received it: from the outbox of the server that sent it.
    const outbox = await (await fetch(`http://127.0.0.1:${desktop.port}/demo/api/outbox?inquiry=${madeId}`)).json();
    const message = outbox.find((/** @type {any} */ m) => m.channel === 'sms' && m.to === number);
    assert.ok(message, `no message to ${number} in ${JSON.stringify(outbox)}`);
    const sent = /(https?:\/\/\S+\/verify\?code=otl_[0-9A-Za-z]+)/.exec(message.text);
    assert.ok(sent, message.text);
    // The phone reaches the other server (a different process when there are two).
    const link = new URL(sent[1]);
    link.host = `localhost:${phoneServer.port}`;

    const phone = await phoneContext.newPage();
    const landing = await phone.goto(link.href);
    assert.equal(landing?.status(), 200);
    await phone.getByLabel('Type of ID').selectOption('id');
    await phone.getByRole('button', { name: 'Continue' }).click();
    await waitForEvent(page, 'one-time-link-start');
    assert.equal(new URL(phone.url()).search, '', 'the code is dropped from the address bar');

    const photo = await makeJpeg(phone);
    await phone.locator('input[type=file]').setInputFiles(photo);
    await phone.getByRole('heading', { name: 'Back side' }).waitFor();
    await phone.locator('input[type=file]').setInputFiles(photo);
    for (const next of ['Turn your head to the left', 'Turn your head to the right']) {
      await phone.getByRole('heading', { name: next === 'Turn your head to the left' ? 'Look straight at the camera' : 'Turn your head to the left' }).waitFor();
      await phone.locator('input[type=file]').setInputFiles(photo);
      await phone.getByRole('heading', { name: next }).waitFor();
    }
    await phone.locator('input[type=file]').setInputFiles(photo);
    await phone.getByRole('heading', { name: 'All done on this phone' }).waitFor();

    // The desktop learns the phone finished everything: exit, then the completion page.
    await waitForEvent(page, 'one-time-link-exit');
    await frame.getByRole('heading', { name: 'Thank you' }).waitFor();
    await frame.getByRole('button', { name: 'Complete' }).click();
    await waitForEvent(page, 'complete');
    /** @type {{ kind: string, name: string, meta: any }[]} */
    const log = await page.evaluate(() => /** @type {any} */ (window).log);
    const order = log.map((e) => e.name).filter((n) => n.startsWith('one-time-link') || n === 'complete');
    assert.deepEqual(order, ['one-time-link-sent', 'one-time-link-start', 'one-time-link-exit', 'complete']);
    const complete = log.find((e) => e.name === 'complete');
    assert.equal(complete?.meta.status, 'completed');
    assert.ok(!log.some((e) => e.name === 'onError'), JSON.stringify(log));

    // The truth is the server's: the inquiry holds the phone's documents and its hand-off session.
    const inquiryId = complete?.meta.inquiryId;
    const api = await desktop.api(`/inquiries/${inquiryId}?include=documents,sessions`);
    assert.equal(api.data.attributes.status, 'completed');
    const included = /** @type {any[]} */ (api.included);
    const docs = included.filter((r) => r.type === 'document').map((d) => `${d.attributes.kind}:${d.attributes.side}`).sort();
    assert.deepEqual(docs, ['government_id:back', 'government_id:front', 'selfie:center', 'selfie:left', 'selfie:right']);
    const sessions = included.filter((r) => r.type === 'inquiry-session');
    assert.deepEqual(sessions.map((s) => s.attributes['device-handoff-method']), [null, 'sms']);

    // The same link a second time: refused, with a page a person understands.
    const again = await phoneContext.newPage();
    const second = await again.goto(link.href);
    assert.equal(second?.status(), 410);
    await again.getByRole('heading', { name: 'This link can’t be used' }).waitFor();
    assert.match(await again.locator('body').innerText(), /already been used/);
  } finally {
    await desk.close();
    await phoneContext.close();
    await host.close();
  }
}

test('hand-off by text message on one server (SQLite)', { timeout: 120_000 }, async () => {
  const server = await startServer();
  try {
    await handOff(server, server);
  } finally {
    await server.stop();
  }
});

test('hand-off across two server processes sharing one PostgreSQL database', { timeout: 150_000 }, async () => {
  // A fresh database per run, as crates/verity/tests/it/postgres.rs does.
  const name = `verity_web_${process.pid}_${Date.now()}`;
  const psql = (/** @type {string} */ sql) => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-v', 'ON_ERROR_STOP=1', '-qc', sql]);
  psql(`CREATE DATABASE ${name}`);
  // Processes sharing a database share its keyring (docs/encryption.md §3): one random key for both.
  const env = {
    VERITY_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}`,
    VERITY_ENCRYPTION_KEY: `test ${randomBytes(32).toString('base64')}`,
  };
  /** @type {import('../lib/server.js').VerityServer[]} */
  const servers = [];
  try {
    servers.push(await startServer({ env }));
    servers.push(await startServer({ env, apiKey: servers[0].apiKey }));
    assert.notEqual(servers[0].port, servers[1].port);
    await handOff(servers[0], servers[1]);
  } finally {
    for (const s of servers) await s.stop();
    psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
});

test('a failed send is shown in the flow; the QR code; continuing on this device', { timeout: 120_000 }, async () => {
  // An SMS gateway that refuses connections: every text message fails.
  const closed = await serveHostPage({});
  const gateway = `http://127.0.0.1:${new URL(closed.origin).port}/sms`;
  await closed.close();
  const server = await startServer({ env: { VERITY_HANDOFF_SMS_SENDER: 'http', VERITY_SMS_GATEWAY_URL: gateway, VERITY_SMS_GATEWAY_SECRET: 's' } });
  const host = await serveHostPage({ '/': ['text/html; charset=utf-8', hostHtml(server.origin)] });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(host.url('/'));
    await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
    await page.evaluate((o) => /** @type {any} */ (window).start(o), { templateId: server.templates.dynamic, host: server.origin });
    const frame = page.frameLocator('iframe[src*="/widget"]');
    await fillStartAndFields(frame);
    await frame.getByRole('button', { name: 'Continue on your phone' }).click();

    await frame.getByLabel('Mobile number, with country code').fill('12345');
    await frame.getByRole('button', { name: 'Send the link by text message' }).click();
    await frame.getByRole('alert').filter({ hasText: 'country code' }).waitFor();
    await frame.getByLabel('Mobile number, with country code').fill('+15550001234');
    await frame.getByRole('button', { name: 'Send the link by text message' }).click();
    await frame.getByRole('alert').filter({ hasText: 'the text message could not be sent' }).waitFor();
    let names = await page.evaluate(() => /** @type {any} */ (window).log.map((/** @type {any} */ e) => e.name));
    assert.ok(!names.includes('one-time-link-sent'), 'nothing was sent');

    await frame.getByRole('button', { name: 'Show a QR code' }).click();
    const qr = frame.getByRole('img', { name: 'QR code with a link to continue this verification on your phone' });
    await qr.waitFor();
    assert.ok((await qr.evaluate((img) => /** @type {HTMLImageElement} */ (img).naturalWidth)) > 0, 'the SVG renders');
    await waitForEvent(page, 'one-time-link-sent');
    await frame.getByRole('button', { name: 'Continue on this device' }).click();
    await waitForEvent(page, 'one-time-link-exit');
    await frame.getByLabel('Type of ID').waitFor();
    names = await page.evaluate(() => /** @type {any} */ (window).log.map((/** @type {any} */ e) => e.name));
    assert.deepEqual(names.filter((/** @type {string} */ n) => n.startsWith('one-time-link')), ['one-time-link-sent', 'one-time-link-exit']);
  } finally {
    await context.close();
    await host.close();
    await server.stop();
  }
});
