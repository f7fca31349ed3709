// api.test.js — the flow's server side without a browser where none is needed: the flow JSON API's
// authorisation (session token of this inquiry only), server-side field validation, upload checks, the
// widget's origin rules and CSP; and, in Chromium, the session token passed in the URL fragment (our SDK).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { startHost } from './harness.js';

/** @type {import('../lib/server.js').VerityServer} */
let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

/** @param {string} path @param {{ method?: string, token?: string, body?: unknown, form?: FormData }} [o] */
async function flow(path, o = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.origin}/flow/v1${path}`, {
    method: o.method ?? 'POST', headers, body: o.form ?? (o.body === undefined ? undefined : JSON.stringify(o.body)),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const create = () => flow('/inquiries', { body: { templateId: server.templates.dynamic } });

test('a session token works only for its own inquiry', async () => {
  const a = await create();
  const b = await create();
  assert.equal(a.status, 201);
  assert.match(a.body.sessionToken, /^vst_/);
  const own = await flow(`/inquiries/${a.body.inquiry.id}`, { method: 'GET', token: a.body.sessionToken });
  assert.equal(own.status, 200);
  const other = await flow(`/inquiries/${b.body.inquiry.id}`, { method: 'GET', token: a.body.sessionToken });
  assert.equal(other.status, 409);
  assert.equal(other.body.error.code, 'unauthenticated');
  const none = await flow(`/inquiries/${a.body.inquiry.id}`, { method: 'GET' });
  assert.equal(none.body.error.code, 'unauthenticated');
  // An API key is not a session token.
  const key = await flow(`/inquiries/${a.body.inquiry.id}`, { method: 'GET', token: server.apiKey });
  assert.equal(key.status, 409);
});

test('fields are validated again on the server, per field', async () => {
  const a = await create();
  const { id } = a.body.inquiry;
  const token = a.body.sessionToken;
  await flow(`/inquiries/${id}/steps/start`, { token, body: {} });
  const bad = await flow(`/inquiries/${id}/steps/fields`, { token, body: { fields: { 'name-first': 'A', 'name-last': 'B', birthdate: '1990-02-30' } } });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.error.fields.map((/** @type {any} */ f) => f.key), ['birthdate']);
  const missing = await flow(`/inquiries/${id}/steps/fields`, { token, body: { fields: { 'name-first': 'A' } } });
  assert.deepEqual(missing.body.error.fields.map((/** @type {any} */ f) => f.key).sort(), ['birthdate', 'name-last']);
  const ok = await flow(`/inquiries/${id}/steps/fields`, { token, body: { fields: { 'name-first': 'A', 'name-last': 'B', birthdate: '1990-02-03' } } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.inquiry.currentStep, 'government-id');
  // The ID step cannot be skipped: its images are required.
  const skip = await flow(`/inquiries/${id}/steps/government-id`, { token, body: {} });
  assert.equal(skip.status, 409);
});

test('uploads: type sniffed from the bytes, decoded, size-limited', async () => {
  const a = await create();
  const { id } = a.body.inquiry;
  const token = a.body.sessionToken;
  const form = (/** @type {Blob} */ file) => {
    const f = new FormData();
    f.set('kind', 'government_id');
    f.set('side', 'front');
    f.set('id-class', 'dl');
    f.set('capture-method', 'upload');
    f.set('file', file, 'x.jpg');
    return f;
  };
  const fake = await flow(`/inquiries/${id}/documents`, { token, form: form(new Blob(['<svg/>'], { type: 'image/jpeg' })) });
  assert.equal(fake.status, 422);
  assert.equal(fake.body.error.code, 'invalid_upload');
  // A refusal may leave the body unread: the server says it closes, so no request follows on that socket.
  assert.equal(fake.headers.get('connection'), 'close');
  // Over the 10 MB limit: refused with 413/422, or the server stops reading and closes the connection
  // before the client finished sending (fetch then fails). Either way nothing is stored.
  const huge = await flow(`/inquiries/${id}/documents`, { token, form: form(new Blob([new Uint8Array(11 * 1024 * 1024)], { type: 'image/jpeg' })) })
    .catch((e) => ({ status: 'closed', body: String(e) }));
  assert.ok([413, 422, 'closed'].includes(huge.status), `status ${huge.status}`);
  const stored = await flow(`/inquiries/${id}`, { method: 'GET', token });
  assert.deepEqual(stored.body.documents, []);
  const wrongSide = new FormData();
  wrongSide.set('kind', 'government_id');
  wrongSide.set('side', 'back');
  wrongSide.set('id-class', 'pp');
  wrongSide.set('capture-method', 'upload');
  wrongSide.set('file', new Blob(['x']), 'x.jpg');
  assert.equal((await flow(`/inquiries/${id}/documents`, { token, form: wrongSide })).body.error.code, 'invalid_upload');
});

test('widget: origins must be allowed, CSP names the ancestors', async () => {
  const t = server.templates.dynamic;
  const get = (/** @type {Record<string, string>} */ q) => fetch(`${server.origin}/widget?${new URLSearchParams({ 'inquiry-template-id': t, ...q })}`);
  const ok = await get({ 'iframe-origin': 'http://127.0.0.1:3000', 'frame-ancestors[0]': 'http://localhost:4000' });
  assert.equal(ok.status, 200);
  const csp = ok.headers.get('content-security-policy') ?? '';
  assert.match(csp, /frame-ancestors [^;]*http:\/\/127\.0\.0\.1:3000/);
  assert.match(csp, /frame-ancestors [^;]*http:\/\/localhost:4000/);
  assert.equal(ok.headers.get('referrer-policy'), 'no-referrer');
  // An error page for a host the template does not allow cannot be framed by it; an
  // allowed host may frame its error page (so onError reaches it).
  const evil = await get({ 'iframe-origin': 'https://evil.example' });
  assert.equal(evil.status, 400);
  assert.match(evil.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  const badField = await get({ 'iframe-origin': 'http://127.0.0.1:3000', 'fields[birthdate]': 'not-a-date' });
  assert.equal(badField.status, 400);
  assert.match(badField.headers.get('content-security-policy') ?? '', /frame-ancestors http:\/\/127\.0\.0\.1:3000/);
  assert.equal((await get({ 'iframe-origin': 'http://127.0.0.1:3000', 'frame-ancestors[0]': 'https://evil.example' })).status, 400);
  assert.equal((await get({ 'iframe-origin': "http://127.0.0.1:3000; script-src *" })).status, 400);
  assert.equal((await get({ 'iframe-origin': 'http://127.0.0.1:3000', 'message-target-origin': 'https://evil.example' })).status, 400);
  // Both a template and an inquiry, or neither: invalid_config.
  assert.equal((await get({ 'iframe-origin': 'http://127.0.0.1:3000', 'inquiry-id': 'inq_x' })).status, 400);
  assert.equal((await fetch(`${server.origin}/widget?iframe-origin=http://127.0.0.1:3000`)).status, 400);
  // account-id with reference-id is contradictory.
  assert.equal((await get({ 'iframe-origin': 'http://127.0.0.1:3000', 'reference-id': 'r', 'account-id': 'act_abc' })).status, 400);
});

test('session token in the URL fragment (our SDK) resumes like the query one', { timeout: 60_000 }, async () => {
  const a = await create();
  const { id } = a.body.inquiry;
  await flow(`/inquiries/${id}/steps/start`, { token: a.body.sessionToken, body: {} });
  const host = await startHost();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(host.url('/'));
    const q = new URLSearchParams({ 'container-id': 'frag', 'inquiry-id': id, 'iframe-origin': host.origin });
    const src = `${server.origin}/widget?${q}#session-token=${encodeURIComponent(a.body.sessionToken)}`;
    await page.evaluate((s) => {
      const w = /** @type {any} */ (window);
      w.__raw = [];
      window.addEventListener('message', (e) => w.__raw.push(e.data));
      const f = document.createElement('iframe');
      f.src = s;
      f.allow = 'camera';
      document.body.append(f);
    }, src);
    await page.waitForFunction(() => /** @type {any} */ (window).__raw.some((/** @type {any} */ m) => m.name === 'ready' || m.name === 'error'));
    const raw = await page.evaluate(() => /** @type {any} */ (window).__raw);
    assert.deepEqual(raw.map((/** @type {any} */ m) => m.name).slice(0, 3), ['load', 'inquiry-load', 'ready']);
    assert.ok(raw.every((/** @type {any} */ m) => m.containerId === 'frag'));
    // The flow removed the secret from its address bar.
    const frame = page.frames().find((f) => f.url().includes('/widget'));
    assert.ok(frame && !frame.url().includes('session-token'));
  } finally {
    await browser.close();
    await host.close();
  }
});
