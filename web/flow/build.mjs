// build.mjs — bundles the flow app into the two files the server embeds (web/flow/dist/flow.js and
// flow.css; crates/verity-http/src/flow/assets.rs includes them with include_bytes!, so the binary builds
// with cargo alone). `--check` rebuilds in memory and fails if the committed bundle is stale.

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = (/** @type {string} */ p) => fileURLToPath(new URL(p, import.meta.url));

/** @returns {Promise<{ 'flow.js': string, 'flow.css': string }>} */
export async function buildFlow() {
  const js = await esbuild.build({
    entryPoints: [here('./src/main.js')],
    bundle: true, minify: true, format: 'esm', target: ['chrome100', 'firefox100', 'safari15'],
    legalComments: 'none', write: false, charset: 'utf8',
  });
  const css = await esbuild.build({
    entryPoints: [here('./flow.css')], bundle: true, minify: true, write: false, legalComments: 'none',
  });
  return { 'flow.js': js.outputFiles[0].text, 'flow.css': css.outputFiles[0].text };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await buildFlow();
  const check = process.argv.includes('--check');
  await mkdir(here('./dist'), { recursive: true });
  let stale = [];
  for (const [name, text] of Object.entries(out)) {
    const path = here(`./dist/${name}`);
    if (check) {
      const old = await readFile(path, 'utf8').catch(() => '');
      if (old !== text) stale.push(name);
    } else await writeFile(path, text);
  }
  if (stale.length) {
    console.error(`stale bundle: ${stale.join(', ')}; run \`npm run build:flow\` in web/ and commit web/flow/dist`);
    process.exit(1);
  }
}
