// pages.js — what every console page must show in Chromium (docs/console.md §6): no serious or critical
// axe-core violation, a page (its HTML, stylesheet and script, not the ID images it shows) under 100 KB
// as transferred, a screenshot saved under web/tests/artifacts/console/ (git-ignored), and its weight and
// time to interactive printed, so each run shows them (figures, not asserted timings).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '../lib/server.js';

export const artifacts = join(repoRoot, 'web', 'tests', 'artifacts', 'console');
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PAGE_BUDGET_BYTES = 100 * 1024;

/** @param {import('playwright-core').Page} page */
export async function seriousViolations(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await /** @type {any} */ (window).axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((/** @type {any} */ v) => v.impact === 'serious' || v.impact === 'critical')
      .map((/** @type {any} */ v) => ({ id: v.id, targets: v.nodes.map((/** @type {any} */ n) => n.target.join(' ')) }));
  });
}

/**
 * The page's own weight — the document and the stylesheets and scripts it loaded, as sent (compressed
 * where the server compressed them) — and its time from navigation to `domInteractive`.
 * @param {import('playwright-core').Page} page
 */
async function weight(page) {
  return page.evaluate(() => {
    const nav = /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType('navigation')[0]);
    const own = /** @type {PerformanceResourceTiming[]} */ (performance.getEntriesByType('resource'))
      .filter((r) => r.initiatorType === 'link' || r.initiatorType === 'script');
    const bytes = own.reduce((sum, r) => sum + r.encodedBodySize, nav.encodedBodySize);
    return { bytes, interactiveMs: Math.round(nav.domInteractive) };
  });
}

/** Checks a console page and saves its screenshot. @param {import('playwright-core').Page} page @param {string} name */
export async function checkPage(page, name) {
  assert.deepEqual(await seriousViolations(page), [], `axe on ${name}`);
  const { bytes, interactiveMs } = await weight(page);
  console.log(`console page ${name}: ${bytes} B, interactive after ${interactiveMs} ms`);
  assert.ok(bytes < PAGE_BUDGET_BYTES, `${name} weighs ${bytes} B (budget ${PAGE_BUDGET_BYTES} B)`);
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}
