// client.test.mjs — the SDK's own behaviour in Chromium against the scripted flow of harness.mjs: option
// validation (onError invalid_config, never a throw), the widget URL (same query as the official SDK's,
// session token in the fragment), modal behaviour (spinner, focus, Escape, scroll lock, inert page, sizes),
// destroy() cleanup, callback exceptions, and the inline flow's resizing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, frameOf } from './harness.mjs';

/** @type {Awaited<ReturnType<typeof setup>>} */
let env;
before(async () => {
  env = await setup();
});
after(() => env.close());

/** @typedef {import('playwright-core').Page} Page */
/** @param {Page} page */
const log = (page) => page.evaluate(() => /** @type {any} */ (window).log);

test('invalid options reach onError as invalid_config and never throw', async () => {
  const page = await env.page();
  const cases = await page.evaluate(async (host) => {
    const w = /** @type {any} */ (window);
    /** @type {any[]} */
    const bad = [
      { host },
      { host, templateId: 'itmpl_a', inquiryId: 'inq_a' },
      { host, templateId: 'itmpl_a', sessionToken: 't' },
      { host, templateId: 'itmpl_a', accountId: 'act_a', referenceId: 'r' },
      { templateId: 'itmpl_a' },
      { host: 'not a host', templateId: 'itmpl_a' },
      { host, templateId: 42 },
      { host, templateId: 'itmpl_a', fields: 'x' },
      { host, templateId: 'itmpl_a', onComplete: 'nope' },
      { host, templateId: 'itmpl_a', parent: 'body' },
      { host, templateId: 'itmpl_a', frameAncestors: [1] },
    ];
    const out = [];
    for (const o of bad) {
      /** @type {any[]} */
      const got = [];
      const before = document.body.children.length;
      const c = new w.verity.Client({ ...o, onError: (/** @type {any} */ e) => got.push(e) });
      await new Promise((r) => setTimeout(r, 0));
      c.open();
      c.destroy();
      out.push({ got, added: document.body.children.length - before, loading: c.isLoading });
    }
    let typeError = '';
    try {
      new w.verity.Client();
    } catch (e) {
      typeError = String(e);
    }
    return { out, typeError };
  }, env.flowOrigin);
  for (const c of cases.out) {
    assert.equal(c.got.length, 1);
    assert.equal(c.got[0].status, 400);
    assert.equal(c.got[0].code, 'invalid_config');
    assert.equal(typeof c.got[0].message, 'string');
    assert.equal(c.added, 0);
  }
  assert.match(cases.typeError, /TypeError/);
  assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).errors), []);
  await page.close();
});

test('the widget URL carries the official query, with the session token in the fragment only', async () => {
  const page = await env.page();
  const r = await page.evaluate(
    ([origin, host]) => {
      const w = /** @type {any} */ (window);
      /** @type {any} */
      const o = {
        templateId: 'tmpl_legacy',
        environmentId: 'env_1',
        referenceId: "ref 1/ä!'()*",
        language: 'es',
        frameAncestors: ['https://a.example', 'https://b.example'],
        messageTargetOrigin: 'https://m.example',
        fields: { nameFirst: 'Jane', name_last: 'Doe', addressStreet1: '1 Main St', birthdate: '', isAdult: true, age: 30, tags: ['x', 'y'], skipped: null },
        widgetPadding: { top: 1 },
      };
      const a = w.verity.setupIframe(document.createElement('iframe'), 'cid', 'inline', { ...o, host: origin });
      const b = w.Persona.setupIframe(document.createElement('iframe'), 'cid', 'inline', { ...o, host });
      const r1 = w.verity.setupIframe(document.createElement('iframe'), 'cid', 'embedded', { inquiryId: 'inq_1', sessionToken: 'tok/+=', host: origin });
      const r2 = w.Persona.setupIframe(document.createElement('iframe'), 'cid', 'embedded', { inquiryId: 'inq_1', sessionToken: 'tok/+=', host });
      const d = w.verity.setupIframe(document.createElement('iframe'), 'cid', 'embedded', { templateId: 'itmpl_x', host });
      return { a: a.src, b: b.src, r1: r1.src, r2: r2.src, d: d.src, sandbox: a.getAttribute('sandbox'), title: a.title };
    },
    [env.flowOrigin, env.flowHost],
  );
  /** @param {string} u */
  const norm = (u) => new URL(u).search.replace(/client-version=[^&]*/, '');
  assert.equal(norm(r.a), norm(r.b));
  assert.ok(r.a.startsWith(env.flowOrigin + '/widget?'));
  assert.match(r.a, /fields%5Bname-first%5D=Jane&fields%5Bname-last%5D=Doe&fields%5Baddress-street-1%5D=1%20Main%20St/);
  assert.match(r.a, /frame-ancestors%5B0%5D=https%3A%2F%2Fa.example&frame-ancestors%5B1%5D=/);
  // Resume: the official SDK puts the token in the query; ours only in the fragment.
  assert.equal(norm(r.r1), norm(r.r2).replace(/&session-token=[^&]*/, ''));
  assert.ok(!new URL(r.r1).search.includes('tok'));
  assert.equal(new URL(r.r1).hash, '#session-token=tok%2F%2B%3D');
  assert.match(r.d, /inquiry-template-id=itmpl_x/);
  assert.ok(r.d.startsWith(env.flowOrigin), "the official host form 'localhost:PORT' works");
  assert.equal(r.sandbox, 'allow-scripts allow-same-origin allow-popups allow-forms allow-modals allow-top-navigation-by-user-activation');
  await page.close();
});

test('modal: spinner until load, focus in and back, Escape asks to cancel, scroll lock, inert page, destroy cleans up', async () => {
  const page = await env.page();
  const baseline = await page.evaluate(() => document.documentElement.outerHTML);
  const id = await page.evaluate((host) => {
    const w = /** @type {any} */ (window);
    document.getElementById('opener')?.focus();
    w.client = new w.verity.Client({ templateId: 'itmpl_a', host, ...w.record('c'), onLoad: () => { throw new Error('integrator bug'); } });
    return w.client.containerId;
  }, env.flowOrigin);
  const flow = await frameOf(page, 'container-id=' + id);
  const overlay = page.locator('#' + id);
  assert.equal(await overlay.isVisible(), false, 'hidden until open()');
  await page.evaluate(() => /** @type {any} */ (window).client.open());
  assert.equal(await overlay.isVisible(), true);
  assert.equal(await page.locator('.verity-spinner').isVisible(), true, 'spinner while loading');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'IFRAME', 'focus moved into the flow');
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).overflow), 'hidden');
  assert.equal(await page.evaluate(() => document.getElementById('app')?.inert), true);
  await flow.waitForFunction(() => /** @type {any} */ (window).actions.some((/** @type {any} */ a) => a.data.action == 'open'));

  // load: spinner goes, the integrator's throwing onLoad is reported, not propagated.
  await flow.evaluate(() => /** @type {any} */ (window).send({ name: 'load', templateId: 'itmpl_a' }));
  await page.waitForFunction(() => !/** @type {any} */ (window).client.isLoading);
  assert.equal(await page.locator('.verity-spinner').isVisible(), false);
  assert.match((await page.evaluate(() => /** @type {any} */ (window).consoleErrors)).join('\n'), /integrator bug/);
  assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).errors), []);

  // ready: preferred dimensions and radius apply on a large viewport.
  await flow.evaluate(() =>
    /** @type {any} */ (window).send({ name: 'ready', templateId: 'itmpl_a', metadata: { preferredDimensions: { maximumWidth: '500px', maximumHeight: 700 }, styles: { borderRadius: '12px' } } }),
  );
  await page.waitForFunction(() => /** @type {any} */ (window).log.some((/** @type {any[]} */ x) => x[1] == 'onReady'));
  const box = await page.locator(`#${id} iframe`).boundingBox();
  assert.deepEqual([box?.width, box?.height], [500, 700]);
  assert.equal(await page.locator(`#${id} iframe`).evaluate((f) => getComputedStyle(f).borderTopLeftRadius), '12px');

  // Escape with focus on the host page asks the flow to cancel, without force (inside the flow, the
  // flow's own page handles Escape: key events do not cross the frame boundary).
  await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement).blur());
  await page.keyboard.press('Escape');
  await flow.waitForFunction(() => /** @type {any} */ (window).actions.some((/** @type {any} */ a) => a.data.action == 'exit'));
  const exit = await flow.evaluate(() => /** @type {any} */ (window).actions.find((/** @type {any} */ a) => a.data.action == 'exit'));
  assert.deepEqual(exit, { data: { action: 'exit', metadata: { force: false } }, origin: env.hostOrigin, fromParent: true });
  assert.equal(await overlay.isVisible(), true, 'the flow decides; the modal waits for exit');

  // The flow answers exit: modal closes, focus returns, scroll and page come back, onCancel fires.
  await flow.evaluate(() => /** @type {any} */ (window).send({ name: 'exit', templateId: 'itmpl_a', metadata: { inquiryId: 'inq_1', sessionToken: 'tok' } }));
  await page.waitForFunction(() => !/** @type {any} */ (window).client.isOpen);
  assert.equal(await overlay.isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'opener');
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).overflow), 'visible');
  assert.equal(await page.evaluate(() => document.getElementById('app')?.inert), false);
  const l = await log(page);
  assert.deepEqual(l.at(-1), ['c', 'onCancel', { inquiryId: 'inq_1', sessionToken: 'tok' }]);
  assert.deepEqual(
    l.map((/** @type {any[]} */ x) => (x[1] == 'onEvent' ? x[2] : x[1])),
    ['load', 'ready', 'onReady', 'exit', 'onCancel'],
  );

  // destroy(): the flow is told, and the document is as before the client existed.
  await page.evaluate(() => /** @type {any} */ (window).client.destroy());
  assert.equal(await page.evaluate(() => document.documentElement.outerHTML), baseline);
  await page.evaluate(() => /** @type {any} */ (window).client.destroy());
  assert.deepEqual(await page.evaluate(() => /** @type {any} */ (window).errors), []);
  await page.close();
});

test('modal: full screen on a small viewport, ignoring preferred dimensions', async () => {
  const page = await env.page({ width: 375, height: 667 });
  const id = await page.evaluate((host) => {
    const w = /** @type {any} */ (window);
    w.client = new w.verity.Client({ templateId: 'itmpl_a', host, ...w.record('c') });
    w.client.open();
    return w.client.containerId;
  }, env.flowOrigin);
  const flow = await frameOf(page, 'container-id=' + id);
  await flow.evaluate(() => /** @type {any} */ (window).send({ name: 'ready', metadata: { preferredDimensions: { maximumWidth: '300px' } } }));
  await page.waitForFunction(() => /** @type {any} */ (window).log.length == 2);
  const box = await page.locator(`#${id} iframe`).boundingBox();
  assert.deepEqual([box?.x, box?.y, box?.width, box?.height], [0, 0, 375, 667]);
  await page.close();
});

test('inline: the iframe follows page-change heights; destroy removes it', async () => {
  const page = await env.page();
  const id = await page.evaluate((host) => {
    const w = /** @type {any} */ (window);
    w.inline = w.verity.mount(document.getElementById('inline'), { templateId: 'itmpl_a', host, ...w.record('i') });
    return w.inline.containerId;
  }, env.flowOrigin);
  const flow = await frameOf(page, 'container-id=' + id);
  assert.equal(await flow.evaluate(() => /** @type {any} */ (window).query['flow-type']), 'inline');
  const height = () => page.evaluate(() => /** @type {any} */ (window).inline.iframe.getBoundingClientRect().height);
  await flow.evaluate(() => /** @type {any} */ (window).send({ name: 'page-change', metadata: { name: 'start', path: 'start', pageHeight: 432, metadata: { pageHeight: 432 } } }));
  await page.waitForFunction(() => /** @type {any} */ (window).log.length == 1);
  assert.equal(await height(), 432);
  await flow.evaluate(() => /** @type {any} */ (window).send({ name: 'page-change', metadata: { name: 'fields', metadata: { pageHeight: 610 } } }));
  await page.waitForFunction(() => /** @type {any} */ (window).log.length == 2);
  assert.equal(await height(), 610);
  await page.evaluate(() => /** @type {any} */ (window).inline.destroy());
  assert.equal(await page.locator('#inline iframe').count(), 0);
  await page.close();
});
