// size.test.mjs — the byte budget (docs/contract.md §8: ≤ 3,650 B gzipped, no runtime dependency) and the committed
// bundle web/sdk/dist/verity.js being exactly what the sources build to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUDGET, sizes } from '../bench/sdk-size.mjs';
import { bundle } from '../../sdk/build.mjs';

const SDK = fileURLToPath(new URL('../../sdk/', import.meta.url));

test('the SDK is within its byte budget gzipped and smaller than the official one', async () => {
  const s = await sizes();
  assert.ok(s.ours.gzipped <= BUDGET, `${s.ours.gzipped} B gzipped > ${BUDGET} B`);
  assert.ok(s.ours.gzipped < s.official.gzipped);
});

test('the SDK has no runtime dependency', () => {
  const pkg = JSON.parse(readFileSync(SDK + 'package.json', 'utf8'));
  assert.equal(pkg.dependencies, undefined);
  assert.doesNotMatch(readFileSync(SDK + 'dist/verity.js', 'utf8'), /\bimport\b[^(]/);
});

test('dist/verity.js is fresh (run `node web/sdk/build.mjs` after changing src/)', async () => {
  assert.equal(readFileSync(SDK + 'dist/verity.js', 'utf8'), await bundle());
});

test('package.json exports point at files that exist', () => {
  const pkg = JSON.parse(readFileSync(SDK + 'package.json', 'utf8'));
  for (const entry of Object.values(pkg.exports))
    for (const p of typeof entry == 'string' ? [entry] : Object.values(entry)) readFileSync(SDK + p);
  readFileSync(SDK + pkg.types);
});
