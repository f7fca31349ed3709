// build.mjs — bundles the SDK into dist/verity.js (ESM, minified), the single file the server serves
// at /sdk/v1/verity.js. `node build.mjs --check` exits 1 if the committed file is stale (run by the tests).
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (/** @type {string} */ p) => fileURLToPath(new URL(p, import.meta.url));

/** The bundle as it should be, from the sources. */
export async function bundle() {
  const r = await build({
    entryPoints: [here('./src/index.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    legalComments: 'none',
  });
  return r.outputFiles[0].text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = here('./dist/verity.js');
  const fresh = await bundle();
  if (process.argv.includes('--check')) {
    let old = '';
    try {
      old = readFileSync(out, 'utf8');
    } catch {}
    if (old !== fresh) {
      console.error('web/sdk/dist/verity.js is stale: run `node web/sdk/build.mjs`');
      process.exit(1);
    }
  } else writeFileSync(out, fresh);
}
