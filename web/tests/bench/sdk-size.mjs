// sdk-size.mjs — prints the gzipped size of our SDK (modal + inline, minified by esbuild, the file the
// server serves at /sdk/v1/verity.js) beside the official `persona` package's UMD build, measured in the
// same run. `sizes()` is also used by tests/sdk/size.test.mjs, which holds ours to its budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../sdk/build.mjs';

export const BUDGET = 3650;

const WEB = fileURLToPath(new URL('../../', import.meta.url));
/** @param {string | Buffer} b */
const gz = (b) => gzipSync(b, { level: 9 }).length;

export async function sizes() {
  const ours = await bundle();
  const official = readFileSync(WEB + 'node_modules/persona/dist/persona.js');
  return {
    ours: { minified: Buffer.byteLength(ours), gzipped: gz(ours) },
    official: { minified: official.length, gzipped: gz(official) },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = await sizes();
  console.log(`verity sdk (modal+inline, esbuild minified): ${s.ours.minified} B, gzipped ${s.ours.gzipped} B (budget ${BUDGET} B)`);
  console.log(`official persona 5.x UMD (dist/persona.js):  ${s.official.minified} B, gzipped ${s.official.gzipped} B`);
}
