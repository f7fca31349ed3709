// types.test.mjs — `tsc -p web/jsconfig.json` (checkJs, strict) over web/: the SDK and flow sources, the
// tests, the demo, and sdk/types-test.ts, the typed usage example of index.d.ts and react/index.d.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { WEB } from './harness.mjs';

test('tsc --noEmit -p web/jsconfig.json passes', () => {
  const r = spawnSync(WEB + 'node_modules/.bin/tsc', ['-p', WEB + 'jsconfig.json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
