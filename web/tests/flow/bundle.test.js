// bundle.test.js — the committed flow bundle (web/flow/dist, embedded in the server with include_str!)
// must equal a fresh build of web/flow/src, and stay within its byte budget (docs/contract.md §7.4: everything the
// widget loads before `ready` under 40 KB gzipped; the bundle gets a much smaller share of that).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildFlow } from '../../flow/build.mjs';

const dist = (/** @type {string} */ name) => readFile(new URL(`../../flow/dist/${name}`, import.meta.url), 'utf8');

test('committed flow bundle is up to date (run `npm run build:flow` in web/)', async () => {
  const fresh = await buildFlow();
  assert.equal(await dist('flow.js'), fresh['flow.js'], 'web/flow/dist/flow.js is stale');
  assert.equal(await dist('flow.css'), fresh['flow.css'], 'web/flow/dist/flow.css is stale');
});

test('flow bundle byte budget: JS ≤ 14 KB and CSS ≤ 2 KB gzipped', async () => {
  const js = gzipSync(await dist('flow.js'), { level: 9 }).length;
  const css = gzipSync(await dist('flow.css'), { level: 9 }).length;
  assert.ok(js <= 14 * 1024, `flow.js is ${js} bytes gzipped`);
  assert.ok(css <= 2 * 1024, `flow.css is ${css} bytes gzipped`);
});
