// i18n.test.js — the five catalogs (docs/contract.md §7.3): each has every English key, no other, and the
// same `{name}` placeholders; every key the flow asks for exists; the non-English catalogs are committed,
// fresh, small, separate assets. In Chromium: the SDK's `language` option picks the catalog, else the
// browser's language, else English, and only the chosen catalog is fetched.

import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildFlow, CATALOG_FILES } from '../../flow/build.mjs';
import { en } from '../../flow/src/i18n.js';
import { ID_CLASS, POSE, SIDE } from '../../flow/src/protocol.js';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { CATALOGS } from './catalogs.js';
import { waitForEntry } from './harness.js';
import { flowFrame, openSdkFlow, startSdkHost } from './sdk-host.js';


/** @param {string} text */
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** What is wrong with `catalog` compared with English: missing, extra, empty, other placeholders. @param {Record<string, string>} catalog */
function catalogProblems(catalog) {
  const problems = [];
  for (const key of Object.keys(en)) {
    const text = catalog[key];
    if (typeof text !== 'string' || !text.trim()) problems.push(`missing ${key}`);
    else if (placeholders(text).join() !== placeholders(/** @type {any} */ (en)[key]).join()) problems.push(`placeholders of ${key}`);
  }
  for (const key of Object.keys(catalog)) if (!(key in en)) problems.push(`extra ${key}`);
  return problems;
}

/**
 * The literal keys `source` passes to `t()`: every quoted word in the first argument, so a key picked by
 * a condition inside the call counts as asked for. @param {string} source
 */
function keysAskedFor(source) {
  const keys = [];
  for (const m of source.matchAll(/\bt\(/g)) {
    // The first argument ends at the first comma or closing parenthesis outside brackets.
    let depth = 0;
    let end = m.index + 2;
    for (; end < source.length; end++) {
      const ch = source[end];
      if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch) && depth-- === 0) break;
      else if (ch === ',' && depth === 0) break;
    }
    for (const k of source.slice(m.index + 2, end).matchAll(/'(\w+)'/g)) keys.push(k[1]);
  }
  return keys;
}

test('five catalogs: en, es, fr, de, pt', () => {
  assert.deepEqual(Object.keys(CATALOGS).sort(), ['de', 'en', 'es', 'fr', 'pt']);
});

test('every catalog has every English key, no other, with the same placeholders', () => {
  for (const [lang, catalog] of Object.entries(CATALOGS)) assert.deepEqual(catalogProblems(catalog), [], lang);
  // The check itself catches a missing key, a lost placeholder and a stray key.
  const { close: _dropped, ...fr } = CATALOGS.fr;
  assert.deepEqual(catalogProblems({ ...fr, cameraReady: 'Caméra prête.', closee: 'x' }),
    ['missing close', 'placeholders of cameraReady', 'extra closee']);
});

test('the translations are translations (mostly different from English)', () => {
  for (const [lang, catalog] of Object.entries(CATALOGS)) {
    if (lang === 'en') continue;
    const same = Object.keys(en).filter((k) => catalog[k] === /** @type {any} */ (en)[k]);
    // Words such as "Selfie" or "Visa" are the same in several languages; whole sentences are not.
    assert.ok(same.length <= 4, `${lang} keeps English for ${same.join(', ')}`);
  }
});

test('every key the flow asks for exists in English', async () => {
  const dir = new URL('../../flow/src/', import.meta.url);
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.js') && !f.startsWith('i18n'));
  const used = new Set();
  for (const f of files) for (const key of keysAskedFor(await readFile(new URL(f, dir), 'utf8'))) used.add(key);
  assert.ok(used.size > 40, `found ${used.size} literal keys`);
  // Keys chosen in the call itself (`t(failed ? 'failedTitle' : 'doneTitle')`) are found too.
  assert.deepEqual(keysAskedFor("t(a ? 'yes' : 'no', { x: 'not a key' }); t('one')"), ['yes', 'no', 'one']);
  // Keys built from wire values: every ID class, side, pose and error code (main.js `fail`).
  for (const c of Object.values(ID_CLASS)) used.add(`idClass_${c}`);
  for (const s of Object.values(SIDE)) used.add(`side_${s}`);
  for (const p of Object.values(POSE)) used.add(`pose_${p}`);
  for (const code of ['invalid_config', 'unauthenticated', 'inactive_template', 'application_error', 'unknown']) used.add(`error_${code}`);
  // Refusals worded per check (capture.js WORDED_CHECKS).
  const capture = await readFile(new URL('capture.js', dir), 'utf8');
  const worded = /WORDED_CHECKS = \[([^\]]*)\]/.exec(capture)?.[1].match(/'\w+'/g) ?? [];
  assert.ok(worded.length >= 10, `found ${worded.length} worded checks`);
  for (const check of worded) used.add(`refused_${check.slice(1, -1)}`);
  assert.deepEqual([...used].filter((k) => !(k in en)), []);
});

test('catalog assets: committed, fresh, each at most 2.5 KB gzipped', async () => {
  const fresh = await buildFlow();
  assert.deepEqual(CATALOG_FILES, ['i18n/es.js', 'i18n/fr.js', 'i18n/de.js', 'i18n/pt.js']);
  for (const file of CATALOG_FILES) {
    const committed = await readFile(new URL(`../../flow/dist/${file}`, import.meta.url), 'utf8');
    assert.equal(committed, fresh[file], `web/flow/dist/${file} is stale (run \`npm run build:flow\` in web/)`);
    const size = gzipSync(committed, { level: 9 }).length;
    assert.ok(size <= 2560, `${file} is ${size} bytes gzipped`);
  }
  // English is built into flow.js; the other catalogs are not.
  assert.ok(fresh['flow.js'].includes(JSON.stringify(en.handoffQrAlt).slice(1, -1)));
  assert.ok(!fresh['flow.js'].includes(CATALOGS.fr.handoffQrAlt));
});

describe('in Chromium', () => {
  /** @type {import('../lib/server.js').VerityServer} */
  let server;
  /** @type {Awaited<ReturnType<typeof startSdkHost>>} */
  let host;
  /** @type {import('playwright-core').Browser} */
  let browser;
  before(async () => {
    server = await startServer();
    host = await startSdkHost();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await host?.close();
    await server?.stop();
  });

  /**
   * Opens the flow and answers what it shows: the language, its heading and button, which catalogs were fetched.
   * @param {string | undefined} language the SDK option @param {string} [locale] the browser's language
   */
  async function shown(language, locale) {
    const opts = { templateId: server.templates.dynamic, host: server.origin, ...(language ? { language } : {}) };
    const { page, frame, context } = await openSdkFlow(browser, host, opts, locale ? { locale } : {});
    await waitForEntry(page, 'onReady', { kind: 'callback' });
    const fetched = await flowFrame(page).evaluate(() => performance.getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname).filter((p) => p.startsWith('/flow/assets/i18n/')));
    const lang = await flowFrame(page).evaluate(() => document.documentElement.lang);
    const heading = await frame.locator('h1').innerText();
    const title = await flowFrame(page).title();
    const close = await frame.locator('button.close').getAttribute('aria-label');
    await context.close();
    return { lang, heading, title, close, fetched };
  }

  test('the `language` option picks each catalog (region variants too)', { timeout: 90_000 }, async () => {
    for (const [lang, tag] of [['en', 'en-GB'], ['es', 'es-MX'], ['fr', 'fr'], ['de', 'de-AT'], ['pt', 'pt-BR']]) {
      const s = await shown(tag, 'en-US');
      const c = CATALOGS[lang];
      assert.deepEqual({ lang: s.lang, heading: s.heading, title: s.title, close: s.close },
        { lang, heading: c.startTitle, title: c.startTitle, close: c.close }, tag);
    }
  });

  test('no option: the browser language, else English; the option wins over the browser', { timeout: 60_000 }, async () => {
    assert.equal((await shown(undefined, 'de-DE')).heading, CATALOGS.de.startTitle);
    assert.equal((await shown(undefined, 'fr-CA')).heading, CATALOGS.fr.startTitle);
    assert.equal((await shown(undefined, 'it-IT')).heading, en.startTitle);
    assert.equal((await shown('pt', 'de-DE')).heading, CATALOGS.pt.startTitle);
    // An option without a catalog falls through to the browser's language.
    assert.equal((await shown('it', 'es-ES')).heading, CATALOGS.es.startTitle);
  });

  test('only the chosen catalog is fetched, once, long-cached; English fetches none', { timeout: 60_000 }, async () => {
    assert.deepEqual((await shown('de')).fetched, ['/flow/assets/i18n/de.js']);
    assert.deepEqual((await shown(undefined, 'pt-PT')).fetched, ['/flow/assets/i18n/pt.js']);
    assert.deepEqual((await shown('en', 'fr-FR')).fetched, []);
    const res = await fetch(`${server.origin}/flow/assets/i18n/fr.js`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /javascript/);
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    assert.equal(await res.text(), (await buildFlow())['i18n/fr.js']);
    assert.equal((await fetch(`${server.origin}/flow/assets/i18n/xx.js`)).status, 404);
    assert.equal((await fetch(`${server.origin}/flow/assets/i18n/en.js`)).status, 404);
  });
});
