// mobile.test.js — the flow on a phone-sized, touch screen (375×667, isMobile, hasTouch) through Verity's SDK
// on another origin: the SDK's iframe allows the camera and fills the screen, the preview is `playsinline`,
// documents ask for the rear camera and the selfie for the front one, pages fit the width in portrait and
// landscape, and a camera that cannot start (no camera API as in in-app browsers, or refused) offers upload
// at once with `load-camera-failed` (docs/contract.md §4, §7.2). Every run ends in `onComplete`.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { CATALOGS } from './catalogs.js';
import { makeJpeg, readLog, waitForEntry } from './harness.js';
import { flowFrame, holdPreview, openSdkFlow, startSdkHost } from './sdk-host.js';

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
/** A phone in portrait, like playwright's device descriptors. */
const PHONE = { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'en-US' };

/** Init script: records the constraints of every camera request the flow makes (the real camera still answers). */
function recordCameraRequests() {
  /** @type {unknown[]} */
  const asked = [];
  /** @type {any} */ (window).__cameraAsked = asked;
  const devices = navigator.mediaDevices;
  if (!devices?.getUserMedia) return;
  const real = devices.getUserMedia.bind(devices);
  devices.getUserMedia = (c) => {
    asked.push(JSON.parse(JSON.stringify(c)));
    return real(c);
  };
}

/** Init script: a browser without a camera API at all, as in many in-app browsers. */
function noCameraApi() {
  Object.defineProperty(Navigator.prototype, 'mediaDevices', { get: () => undefined, configurable: true });
}

/**
 * How the current page fits the flow's frame: horizontal overflow and controls smaller than a fingertip.
 * @param {import('playwright-core').Page} page
 */
async function layout(page) {
  return flowFrame(page).evaluate(() => ({
    overflowX: document.documentElement.scrollWidth - innerWidth,
    smallTargets: [...document.querySelectorAll('button, select, input:not([type=file]):not([type=checkbox])')]
      .filter((el) => el.getClientRects().length && el.getBoundingClientRect().height < 44)
      .map((el) => el.outerHTML.slice(0, 60)),
  }));
}

/**
 * Taps "Upload a photo" and picks `file` in the next chooser (caught from the page's start by openSdkFlow).
 * @param {import('playwright-core').FrameLocator} frame @param {() => Promise<import('playwright-core').FileChooser>} nextChooser
 */
async function tapUpload(frame, nextChooser, /** @type {any} */ file) {
  await frame.getByRole('button', { name: en.uploadFile }).tap();
  await (await nextChooser()).setFiles(file);
}

/** Consent and the fields page, by touch. @param {import('playwright-core').FrameLocator} frame */
async function startAndFields(frame) {
  await frame.getByRole('checkbox').tap();
  await frame.getByRole('button', { name: en.continue, exact: true }).tap();
  await frame.locator('input[name="name-first"]').fill('Jane');
  await frame.locator('input[name="name-last"]').fill('Doe');
  await frame.locator('input[name="birthdate"]').fill('1990-02-03');
  await frame.getByRole('button', { name: en.continue, exact: true }).tap();
}

test('phone 375×667: a full run by touch through our SDK, rear then front camera, portrait and landscape, onComplete', { timeout: 150_000 }, async () => {
  const { page, frame, context, pageErrors, nextChooser } = await openSdkFlow(browser, host, { templateId: server.templates.dynamic, host: server.origin }, PHONE, recordCameraRequests);
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  const iframe = page.locator('iframe[src*="/widget"]');
  assert.match(await iframe.getAttribute('allow') ?? '', /(^|;)\s*camera(;|$)/);
  assert.deepEqual(await iframe.boundingBox(), { x: 0, y: 0, width: 375, height: 667 }, 'full screen on a phone');
  /** @type {Record<string, unknown>} */
  const misfits = {};
  const check = async (/** @type {string} */ name) => {
    const l = await layout(page);
    if (l.overflowX > 0 || l.smallTargets.length) misfits[name] = l;
  };
  await frame.getByRole('heading', { name: en.startTitle }).waitFor();
  await check('start');
  await startAndFields(frame);
  await frame.getByLabel(en.idClass).selectOption('dl');
  await check('government-id-choose');
  await frame.getByRole('button', { name: en.continue, exact: true }).tap();
  await frame.getByRole('button', { name: en.useCamera }).tap();
  await holdPreview(page);
  const video = frame.locator('video');
  assert.equal(await video.getAttribute('playsinline'), '');
  assert.equal(await video.evaluate((v) => /** @type {HTMLVideoElement} */ (v).playsInline && /** @type {HTMLVideoElement} */ (v).muted), true);
  await check('government-id-camera');

  // Turn the phone: the whole preview and the shutter fit on the short landscape screen; nothing overflows.
  for (const [width, height] of [[667, 375], [375, 667]]) {
    await page.setViewportSize({ width, height });
    await frame.locator('video').evaluate(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));
    await check(`government-id-camera-${width}x${height}`);
    const fit = await flowFrame(page).evaluate(() => {
      const preview = /** @type {HTMLElement} */ (document.querySelector('.frame')).getBoundingClientRect();
      const shutter = /** @type {HTMLElement} */ (document.querySelector('.frame + button')).getBoundingClientRect();
      return { width: innerWidth, height: innerHeight, previewW: preview.width, span: shutter.bottom - preview.top };
    });
    assert.equal(fit.width, width);
    assert.ok(fit.previewW <= width && fit.span <= height, `${width}×${height}: ${JSON.stringify(fit)}`);
  }

  const photo = await makeJpeg(page);
  await tapUpload(frame, nextChooser, photo);
  await frame.getByRole('heading', { name: en.side_back }).waitFor();
  await holdPreview(page); // the camera stays on for the back side
  await tapUpload(frame, nextChooser, photo);
  await frame.getByRole('heading', { name: en.selfieTitle }).waitFor();
  await check('selfie');
  await frame.getByRole('button', { name: en.useCamera }).tap();
  for (const pose of /** @type {const} */ (['pose_center', 'pose_left', 'pose_right'])) {
    await frame.getByRole('heading', { name: en[pose] }).waitFor();
    await holdPreview(page);
    await tapUpload(frame, nextChooser, photo);
  }
  await frame.getByRole('button', { name: en.complete }).waitFor();
  await check('completion');
  const asked = await flowFrame(page).evaluate(() => /** @type {any} */ (window).__cameraAsked);
  assert.deepEqual(asked.map((/** @type {any} */ c) => c.video.facingMode), ['environment', 'user'], 'rear camera for the ID, front for the selfie');
  await frame.getByRole('button', { name: en.complete }).tap();
  const [done] = await waitForEntry(page, 'onComplete', { kind: 'callback' });
  assert.match(done.data.inquiryId, /^inq_/);
  assert.deepEqual(misfits, {});
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test('phone without a camera API (in-app browser): upload offered at once, load-camera-failed, onComplete', { timeout: 120_000 }, async () => {
  const { page, frame, context, nextChooser } = await openSdkFlow(browser, host, { templateId: server.templates.dynamic, host: server.origin }, PHONE, noCameraApi);
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await startAndFields(frame);
  await frame.getByLabel(en.idClass).selectOption('pp');
  await frame.getByRole('button', { name: en.continue, exact: true }).tap();
  const [failed] = await waitForEntry(page, 'load-camera-failed', { kind: 'event' });
  assert.deepEqual(failed.data, { reason: 'unsupported' });
  await frame.getByText(en.cameraFailed).waitFor();
  assert.equal(await frame.getByRole('button', { name: en.useCamera }).count(), 0, 'no camera button that cannot work');
  const upload = await frame.getByRole('button', { name: en.uploadFile }).boundingBox();
  assert.ok(upload && upload.y + upload.height <= 667, 'upload is on the first screen');
  const photo = await makeJpeg(page);
  await tapUpload(frame, nextChooser, photo);
  await frame.getByRole('heading', { name: en.selfieTitle }).waitFor();
  // The selfie step cannot use a camera either: said at once, again.
  await page.waitForFunction(() => /** @type {any} */ (window).__log.filter((/** @type {any} */ e) => e.name === 'load-camera-failed').length === 2);
  for (const pose of /** @type {const} */ (['pose_center', 'pose_left', 'pose_right'])) {
    await frame.getByRole('heading', { name: en[pose] }).waitFor();
    await tapUpload(frame, nextChooser, photo);
  }
  await frame.getByRole('button', { name: en.complete }).tap();
  await waitForEntry(page, 'onComplete', { kind: 'callback' });
  assert.equal((await readLog(page)).filter((e) => e.name === 'load-camera-failed').length, 2, 'once per capture step');
  await context.close();
});

test('phone, camera refused: load-camera-failed with the reason, upload offered at once', { timeout: 90_000 }, async () => {
  const { page, frame, context, nextChooser } = await openSdkFlow(deniedBrowser, host, { templateId: server.templates.dynamic, host: server.origin }, PHONE);
  await waitForEntry(page, 'onReady', { kind: 'callback' });
  await startAndFields(frame);
  await frame.getByLabel(en.idClass).selectOption('pp');
  await frame.getByRole('button', { name: en.continue, exact: true }).tap();
  await frame.getByRole('button', { name: en.useCamera }).tap();
  const [failed] = await waitForEntry(page, 'load-camera-failed', { kind: 'event' });
  assert.deepEqual(failed.data, { reason: 'permission_denied' });
  await frame.locator('p.status', { hasText: en.cameraFailed }).waitFor();
  assert.equal(await frame.getByRole('button', { name: en.useCamera }).count(), 0);
  await tapUpload(frame, nextChooser, await makeJpeg(page));
  await frame.getByRole('heading', { name: en.selfieTitle }).waitFor();
  await context.close();
});
