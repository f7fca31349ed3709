// a11y.test.js — accessibility of the flow (docs/contract.md §7.3), through Verity's SDK on another origin:
// axe-core finds no serious or critical violation on any page in any of the five languages; the whole flow
// can be completed with the keyboard alone (Tab, Enter, Space; the file chooser opened from the keyboard),
// with focus on each new page's heading; capture state changes are announced through the aria-live region.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { CATALOGS } from './catalogs.js';
import { axeViolations, makeJpeg, waitForEntry } from './harness.js';
import { flowFrame, holdPreview, openSdkFlow, recordAnnouncements, startSdkHost } from './sdk-host.js';

/** @type {import('../lib/server.js').VerityServer} */
let server;
/** @type {Awaited<ReturnType<typeof startSdkHost>>} */
let host;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {import('playwright-core').Browser} */
let deniedBrowser;

before(async () => {
  server = await startServer();
  host = await startSdkHost();
  browser = await launchChromium();
  deniedBrowser = await launchChromium({ camera: 'denied' });
});
after(async () => {
  await browser?.close();
  await deniedBrowser?.close();
  await host?.close();
  await server?.stop();
});

const en = CATALOGS.en;
const POSES = /** @type {const} */ (['pose_center', 'pose_left', 'pose_right']);

/**
 * Walks every page of the dynamic demo template in `lang` (with the hand-off pages and the camera) and
 * returns the serious and critical axe violations by page.
 * @param {string} lang
 */
async function scanEveryPage(lang) {
  const c = CATALOGS[lang];
  const { page, frame, context } = await openSdkFlow(browser, host, { templateId: server.templates.dynamic, host: server.origin, language: lang });
  /** @type {Record<string, unknown>} */
  const found = {};
  const scan = async (/** @type {string} */ name) => {
    const v = await axeViolations(page);
    if (v.length) found[name] = v;
  };
  const button = (/** @type {string} */ name) => frame.getByRole('button', { name, exact: true });
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await frame.getByRole('heading', { name: c.startTitle }).waitFor();
  // The scan itself can fail: a control without a name is found, then taken away again.
  await flowFrame(page).evaluate(() => document.querySelector('main')?.append(Object.assign(document.createElement('input'), { id: 'unnamed' })));
  assert.ok((await axeViolations(page)).some((/** @type {{ id: string, targets: string[] }} */ v) => v.id === 'label' && v.targets.includes('#unnamed')), 'axe sees an unlabelled input');
  await flowFrame(page).evaluate(() => document.getElementById('unnamed')?.remove());
  await scan('start');
  await button(c.continue).click();
  await frame.getByText(c.consentRequired).waitFor();
  await scan('start-consent-required');
  await button(c.close).click();
  await button(c.stay).waitFor();
  await scan('confirm-dialog');
  await button(c.stay).click();
  await frame.getByRole('checkbox').check();
  await button(c.continue).click();
  await frame.locator('input[name="name-last"]').waitFor();
  await scan('fields');
  await button(c.continue).click();
  await frame.getByText(c.requiredValue).first().waitFor();
  await scan('fields-with-errors');
  await frame.locator('input[name="name-first"]').fill('Jane');
  await frame.locator('input[name="name-last"]').fill('Doe');
  await frame.locator('input[name="birthdate"]').fill('1990-02-03');
  await button(c.continue).click();
  await frame.getByLabel(c.idClass).waitFor();
  await scan('government-id-choose');
  await button(c.handoffOffer).click();
  await button(c.handoffQr).waitFor();
  await scan('handoff-choose');
  await button(c.handoffQr).click();
  await frame.getByRole('heading', { name: c.handoffScan }).waitFor();
  await scan('handoff-qr');
  await button(c.handoffHere).click();
  await frame.getByLabel(c.idClass).selectOption('pp');
  await button(c.continue).click();
  await button(c.useCamera).waitFor();
  await scan('government-id-capture');
  await button(c.useCamera).click();
  await holdPreview(page);
  await scan('government-id-camera');
  // The manual shutter shows the photo for review first (the preview is held, so the photo is blank).
  await button(c.takePhoto).click();
  await frame.getByRole('heading', { name: c.reviewTitle }).waitFor();
  await scan('government-id-review');
  await button(c.usePhoto).click();
  await frame.getByRole('heading', { name: c.selfieTitle }).waitFor();
  const photo = await makeJpeg(page);
  await scan('selfie');
  for (const pose of POSES) {
    await frame.getByRole('heading', { name: c[pose] }).waitFor();
    await frame.locator('input[type=file]').setInputFiles(photo);
  }
  await button(c.complete).waitFor();
  await scan('completion');
  await context.close();

  const err = await openSdkFlow(browser, host, { templateId: server.templates.dynamic, fields: { birthdate: 'not-a-date' }, host: server.origin, language: lang });
  await waitForEntry(err.page, 'onError', { kind: 'callback' });
  // The host page opens its modal on `onReady`, which an error page never sends: open it as an
  // integrator does who shows the modal at once, so the error page is on screen to be scanned.
  await err.page.evaluate(() => /** @type {any} */ (window).__client.open());
  await err.frame.getByRole('heading', { name: c.errorTitle }).waitFor();
  const v = await axeViolations(err.page);
  if (v.length) found.error = v;
  await err.context.close();

  // A camera that is refused: the capture page offers upload only, and says why.
  const denied = await openSdkFlow(deniedBrowser, host, { templateId: server.templates.dynamic, host: server.origin, language: lang });
  await waitForEntry(denied.page, 'onReady', { kind: 'callback' });
  await denied.frame.getByRole('checkbox').check();
  await denied.frame.getByRole('button', { name: c.continue, exact: true }).click();
  await denied.frame.locator('input[name="name-first"]').fill('Jane');
  await denied.frame.locator('input[name="name-last"]').fill('Doe');
  await denied.frame.locator('input[name="birthdate"]').fill('1990-02-03');
  await denied.frame.getByRole('button', { name: c.continue, exact: true }).click();
  await denied.frame.getByRole('button', { name: c.continue, exact: true }).click();
  await denied.frame.getByRole('button', { name: c.useCamera, exact: true }).click();
  await waitForEntry(denied.page, 'load-camera-failed', { kind: 'event' });
  await denied.frame.locator('p.status', { hasText: c.cameraFailed }).waitFor();
  const d = await axeViolations(denied.page);
  if (d.length) found['camera-failed'] = d;
  await denied.context.close();
  return found;
}

test('axe-core: no serious or critical violation on any page, in every language', {
  timeout: 600_000,
}, async () => {
  /** @type {Record<string, unknown>} */
  const found = {};
  for (const lang of Object.keys(CATALOGS)) {
    const v = await scanEveryPage(lang);
    if (Object.keys(v).length) found[lang] = v;
  }
  assert.deepEqual(found, {});
});

/** What has keyboard focus in the flow: tag, accessible name (label, aria-label or text) and value. */
function focused() {
  const el = /** @type {HTMLInputElement | null} */ (document.activeElement);
  if (!el) return { tag: '', name: '', value: '' };
  const name = el.labels?.[0]?.textContent || el.getAttribute('aria-label') || el.textContent || '';
  return { tag: el.tagName.toLowerCase(), name: name.trim(), value: el.value ?? '', type: el.type ?? '', key: el.name ?? '' };
}

/**
 * Presses Tab until the focused element matches (at most 25 presses): proves it is reachable by keyboard.
 * @param {import('playwright-core').Page} page
 * @param {(f: ReturnType<typeof focused>) => boolean} match
 * @param {string} what for the failure message
 */
async function tabTo(page, match, what) {
  const seen = [];
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press('Tab');
    const f = await flowFrame(page).evaluate(focused);
    if (match(f)) return;
    seen.push(`${f.tag}:${f.name}`);
  }
  throw new Error(`Tab never reached ${what}; focus went through ${seen.join(' | ')}`);
}

/** Resolves when focus is on a heading with `text` (a new page's heading). @param {import('playwright-core').Page} page @param {string[]} texts */
async function focusOnHeading(page, ...texts) {
  await flowFrame(page).waitForFunction((t) => {
    const el = document.activeElement;
    return !!el && /^H[12]$/.test(el.tagName) && t.includes(el.textContent ?? '');
  }, texts, { timeout: 20_000 }).catch(async (e) => {
    throw new Error(`focus is not on a heading ${JSON.stringify(texts)} but on ${JSON.stringify(await flowFrame(page).evaluate(focused))}: ${e.message}`);
  });
}

/**
 * Opens the file chooser from the keyboard on the upload button and picks `file`.
 * @param {import('playwright-core').Page} page @param {() => Promise<import('playwright-core').FileChooser>} nextChooser
 */
async function uploadFromKeyboard(page, nextChooser, /** @type {any} */ file, key = 'Enter') {
  await tabTo(page, (f) => f.tag === 'button' && f.name === en.uploadFile, en.uploadFile);
  await page.keyboard.press(key);
  await (await nextChooser()).setFiles(file);
}

test('keyboard only: Tab, Enter and Space through every page to onComplete; focus on each heading', {
  timeout: 120_000,
}, async () => {
  const { page, context, pageErrors, nextChooser } = await openSdkFlow(browser, host, { templateId: server.templates.dynamic, host: server.origin }, { locale: 'en-US' });
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  const photo = await makeJpeg(page);
  const button = (/** @type {string} */ name) => (/** @type {ReturnType<typeof focused>} */ f) => f.tag === 'button' && f.name === name;
  const input = (/** @type {string} */ key) => (/** @type {ReturnType<typeof focused>} */ f) => f.tag === 'input' && f.key === key;

  await focusOnHeading(page, en.startTitle);
  await tabTo(page, (f) => f.type === 'checkbox', 'the consent box');
  await page.keyboard.press('Space');
  await tabTo(page, button(en.continue), en.continue);
  await page.keyboard.press('Enter');

  await focusOnHeading(page, en.fieldsTitle);
  await tabTo(page, input('name-first'), 'first name');
  await page.keyboard.type('Jane');
  await tabTo(page, input('name-last'), 'last name');
  await page.keyboard.type('Doe');
  await tabTo(page, input('birthdate'), 'birthdate');
  await page.keyboard.type('02031990'); // en-US date field: month, day, year
  assert.equal((await flowFrame(page).evaluate(focused)).value, '1990-02-03');
  await tabTo(page, button(en.continue), en.continue);
  await page.keyboard.press('Space');

  await focusOnHeading(page, en.idTitle);
  await tabTo(page, (f) => f.tag === 'select' && f.name === en.idClass, en.idClass);
  for (let i = 0; i < 5 && (await flowFrame(page).evaluate(focused)).value !== 'pp'; i++) await page.keyboard.press('ArrowDown');
  assert.equal((await flowFrame(page).evaluate(focused)).value, 'pp');
  await tabTo(page, button(en.continue), en.continue);
  await page.keyboard.press('Enter');

  await focusOnHeading(page, `${en.idTitle} — ${en.idClass_pp}`);
  await uploadFromKeyboard(page, nextChooser, photo);
  await focusOnHeading(page, en.selfieTitle);
  for (const [i, pose] of POSES.entries()) {
    if (i > 0) await focusOnHeading(page, en[pose]);
    await uploadFromKeyboard(page, nextChooser, photo, i === 1 ? ' ' : 'Enter');
  }
  await focusOnHeading(page, en.checkingTitle, en.doneTitle, en.failedTitle);
  await focusOnHeading(page, en.doneTitle, en.failedTitle);
  await tabTo(page, button(en.complete), en.complete);
  await page.keyboard.press('Space');
  const [done] = await waitForEntry(page, 'onComplete', { kind: 'callback' });
  assert.match(done.data.inquiryId, /^inq_/);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test('capture state changes are announced (aria-live): camera starting, ready, captured, failed', { timeout: 90_000 }, async () => {
  const heard = async (/** @type {import('playwright-core').Page} */ page) => /** @type {string[]} */ (await flowFrame(page).evaluate(() => /** @type {any} */ (window).__heard));
  const toCapture = async (/** @type {import('playwright-core').Browser} */ b) => {
    const flow = await openSdkFlow(b, host, { templateId: server.templates.dynamic, host: server.origin }, {}, recordAnnouncements);
    await waitForEntry(flow.page, 'onReady', { kind: 'callback' });
    await flow.frame.getByRole('checkbox').check();
    await flow.frame.getByRole('button', { name: en.continue, exact: true }).click();
    await flow.frame.locator('input[name="name-first"]').fill('Jane');
    await flow.frame.locator('input[name="name-last"]').fill('Doe');
    await flow.frame.locator('input[name="birthdate"]').fill('1990-02-03');
    await flow.frame.getByRole('button', { name: en.continue, exact: true }).click();
    await flow.frame.getByLabel(en.idClass).selectOption('dl');
    await flow.frame.getByRole('button', { name: en.continue, exact: true }).click();
    await flow.frame.getByRole('button', { name: en.useCamera }).click();
    return flow;
  };
  const ok = await toCapture(browser);
  await holdPreview(ok.page);
  assert.deepEqual(await heard(ok.page), [en.cameraStarting, en.cameraReady.replace('{hint}', en.autoHintDocument)]);
  await ok.frame.locator('input[type=file]').setInputFiles(await makeJpeg(ok.page));
  await ok.frame.getByRole('heading', { name: en.side_back }).waitFor();
  assert.ok((await heard(ok.page)).includes(en.captured.replace('{what}', en.side_front)), JSON.stringify(await heard(ok.page)));
  await ok.context.close();

  const denied = await toCapture(deniedBrowser);
  await waitForEntry(denied.page, 'load-camera-failed', { kind: 'event' });
  await denied.frame.locator('#live', { hasText: en.cameraFailed }).waitFor({ state: 'attached' });
  assert.deepEqual(await heard(denied.page), [en.cameraStarting, en.cameraFailed]);
  await denied.context.close();
});
