// hostile.test.mjs — forged and malformed messages (docs/contract.md §6): a page on another localhost port, a second
// iframe on the flow's own origin, messages without containerId, malformed payloads and an empty origin.
// Our SDK must fire no callback and throw nothing for any of them. The same attacks run against the
// official `persona` 5.x SDK; what it does is asserted too, so this file documents which it fails:
//   wrong origin (other port) ......... rejected by both
//   right origin, wrong source ........ official ACCEPTS (fires onComplete / onError)
//   no containerId .................... official ACCEPTS
//   malformed complete / exit ......... official THROWS inside its listener (uncaught error in the page)
//   malformed error ................... official calls onError with whatever it got
//   empty origin (synthetic event) .... official ACCEPTS (it skips the origin check when empty)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, frameOf } from './harness.mjs';

/** @type {Awaited<ReturnType<typeof setup>>} */
let env;
before(async () => {
  env = await setup();
});
after(() => env.close());

const TEMPLATE = 'itmpl_hostile';

/**
 * Opens a host page with one client of `which` SDK, the flow frame, a hostile frame on another port and
 * a second frame on the flow's origin; returns a function that runs one attack and reports its effect.
 * @param {'ours' | 'official'} which
 */
async function arena(which) {
  const page = await env.page();
  const id = await page.evaluate(
    ([which, flowOrigin, flowHost, templateId]) => {
      const w = /** @type {any} */ (window);
      if (which == 'ours') return new w.verity.Client({ templateId, host: flowOrigin, ...w.record('c') }).containerId;
      new w.Persona.Client({ templateId, host: flowHost, ...w.record('c') });
      return document.querySelector('.persona-widget__overlay')?.id;
    },
    [which, env.flowOrigin, env.flowHost, TEMPLATE],
  );
  const flow = await frameOf(page, 'container-id=' + id);
  await page.evaluate(
    ([evil, other]) => {
      for (const src of [evil, other]) {
        const f = document.createElement('iframe');
        f.src = src;
        document.body.append(f);
      }
      /** @type {any} */ (window).watch();
    },
    [env.evilOrigin + '/evil.html', env.flowOrigin + '/other.html'],
  );
  const evil = await frameOf(page, '/evil.html');
  const other = await frameOf(page, '/other.html');
  let n = 0;
  /**
   * Posts `msg` (tagged with a probe number) from `from`, waits until the page has dispatched it,
   * and returns the callbacks that fired and the errors thrown meanwhile.
   * @param {'evil' | 'other' | 'flow' | 'empty-origin'} from
   * @param {unknown} msg
   */
  const attack = async (from, msg) => {
    const probe = ++n;
    const before = await page.evaluate(() => [/** @type {any} */ (window).log.length, /** @type {any} */ (window).errors.length]);
    const data = msg && typeof msg == 'object' ? { ...msg, probe } : msg;
    if (from == 'empty-origin')
      await page.evaluate(
        ([data, probe]) => {
          dispatchEvent(new MessageEvent('message', { data, origin: '' }));
          /** @type {any} */ (window).seen.push(probe);
        },
        [data, probe],
      );
    else {
      const frame = { evil, other, flow }[from];
      await frame.evaluate((d) => /** @type {any} */ (window).raw(d), data);
      // Non-object messages cannot carry the probe: follow them with a bare probe from the same frame.
      if (data === msg) await frame.evaluate((p) => /** @type {any} */ (window).raw({ probe: p }), probe);
    }
    await page.waitForFunction((p) => /** @type {any} */ (window).seen.includes(p), probe);
    return page.evaluate(
      ([l, e]) => ({
        fired: /** @type {any} */ (window).log.slice(l).map((/** @type {any[]} */ x) => (x[1] == 'onEvent' ? 'onEvent ' + x[2] : x[1])),
        threw: /** @type {any} */ (window).errors.slice(e).length > 0,
      }),
      before,
    );
  };
  return { page, id, flow, attack };
}

/** @param {string} id */
const forged = (id) => ({
  complete: { containerId: id, templateId: TEMPLATE, name: 'complete', metadata: { inquiryId: 'inq_forged', status: 'completed', fields: {} } },
  error: { containerId: id, templateId: TEMPLATE, name: 'error', error: { status: 0, code: 'application_error' } },
});

/** @param {string} id */
const malformed = (id) => [
  { containerId: id, templateId: TEMPLATE, name: 'complete' },
  { containerId: id, templateId: TEMPLATE, name: 'complete', metadata: 'x' },
  { containerId: id, templateId: TEMPLATE, name: 'complete', metadata: { inquiryId: 42, status: 'completed' } },
  { containerId: id, templateId: TEMPLATE, name: 'exit', metadata: null },
  { containerId: id, templateId: TEMPLATE, name: 'error', error: 'boom' },
  { containerId: id, templateId: TEMPLATE, name: 'error' },
  { containerId: id, templateId: TEMPLATE, name: 'page-change', metadata: { pageHeight: 'tall' } },
  { containerId: id, templateId: TEMPLATE, name: 'ready', metadata: { preferredDimensions: 5 } },
  { containerId: 7, templateId: TEMPLATE, name: 'complete', metadata: { inquiryId: 'i', status: 's' } },
  { containerId: id, templateId: TEMPLATE, name: ['complete'], metadata: { inquiryId: 'i', status: 's' } },
  null,
  'complete',
];

test('our SDK ignores every forged or malformed message, then still accepts the real flow', async () => {
  const { page, id, flow, attack } = await arena('ours');
  const f = forged(id);
  const { containerId: _, ...noId } = f.complete;
  const results = [
    await attack('evil', f.complete),
    await attack('evil', f.error),
    await attack('other', f.complete),
    await attack('other', f.error),
    await attack('flow', noId),
    await attack('empty-origin', f.complete),
  ];
  for (const m of malformed(id)) results.push(await attack('flow', m));
  for (const r of results) assert.deepEqual(r, { fired: [], threw: false });
  // The positive control: the same complete from the real flow frame fires.
  await flow.evaluate((m) => /** @type {any} */ (window).send(m), { name: 'complete', templateId: TEMPLATE, metadata: f.complete.metadata });
  await page.waitForFunction(() => /** @type {any} */ (window).log.some((/** @type {any[]} */ x) => x[1] == 'onComplete'));
  const log = await page.evaluate(() => /** @type {any} */ (window).log);
  assert.deepEqual(log.map((/** @type {any[]} */ x) => x[1]), ['onEvent', 'onComplete']);
  assert.deepEqual(log[1][2], { inquiryId: 'inq_forged', status: 'completed', fields: {} });
  await page.close();
});

test('message names Object.prototype has (valueOf, __proto__, …) throw nothing and fire nothing, from any sender', async () => {
  const { page, id, flow, attack } = await arena('ours');
  const names = ['valueOf', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'isPrototypeOf', 'toLocaleString'];
  for (const name of names) {
    const msg = { containerId: id, templateId: TEMPLATE, name, metadata: {} };
    for (const from of /** @type {const} */ (['flow', 'evil', 'other'])) assert.deepEqual(await attack(from, msg), { fired: [], threw: false }, `${name} from ${from}`);
  }
  // The positive control: a real message from the flow after all of them still fires.
  await flow.evaluate(() => /** @type {any} */ (window).send({ name: 'load' }));
  await page.waitForFunction(() => /** @type {any} */ (window).log.some((/** @type {any[]} */ x) => x[1] == 'onLoad'));
  await page.close();
});

test('the official SDK: what it accepts (documented failures of docs/contract.md §6)', async (t) => {
  const { page, id, attack } = await arena('official');
  const f = forged(id);
  const { containerId: _, ...noId } = f.complete;
  const none = { fired: [], threw: false };

  assert.deepEqual(await attack('evil', f.complete), none, 'wrong origin: rejected');
  assert.deepEqual(await attack('evil', f.error), none, 'wrong origin: rejected');

  const wrongSource = await attack('other', f.complete);
  assert.deepEqual(wrongSource.fired, ['onEvent complete', 'onComplete'], 'right origin, wrong source: ACCEPTED');
  assert.deepEqual((await attack('other', f.error)).fired, ['onEvent error', 'onError'], 'wrong source error: ACCEPTED');
  assert.deepEqual((await attack('flow', noId)).fired, ['onEvent complete', 'onComplete'], 'no containerId: ACCEPTED');
  assert.deepEqual((await attack('empty-origin', f.complete)).fired, ['onEvent complete', 'onComplete'], 'empty origin: ACCEPTED');

  const [noMeta, badMeta] = malformed(id);
  assert.equal((await attack('flow', noMeta)).threw, true, 'complete without metadata: THROWS in the page');
  assert.equal((await attack('flow', badMeta)).fired.includes('onComplete'), true, 'metadata "x": onComplete with garbage');
  const badError = await attack('flow', malformed(id)[4]);
  assert.deepEqual(badError.fired, ['onEvent error', 'onError'], 'error "boom": onError with a string');
  t.diagnostic('official persona 5.x accepts: wrong source, no containerId, empty origin; throws on malformed complete');
  await page.close();
});
