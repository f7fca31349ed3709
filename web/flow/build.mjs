// build.mjs — bundles the flow app into the files the server embeds (web/flow/dist/flow.js, flow.css, which
// the pages carry inline, and one catalog module per non-English language, i18n/<lang>.js;
// crates/verity-http/src/flow/assets.rs includes them with include_str!, so the binary builds with cargo
// alone). `--check` rebuilds in memory and fails if the committed bundle is stale.

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { LANGUAGES } from './src/i18n.js';

const here = (/** @type {string} */ p) => fileURLToPath(new URL(p, import.meta.url));

/** The catalogs loaded on demand: every language but English (which is inside flow.js). */
export const CATALOG_FILES = LANGUAGES.filter((l) => l !== 'en').map((l) => `i18n/${l}.js`);

/** @returns {Promise<Record<string, string> & { 'flow.js': string, 'flow.css': string }>} */
export async function buildFlow() {
  const js = await esbuild.build({
    entryPoints: [here('./src/main.js')],
    bundle: true, minify: true, format: 'esm', target: ['chrome100', 'firefox100', 'safari15'],
    legalComments: 'none', write: false, charset: 'utf8',
  });
  const css = await esbuild.build({
    entryPoints: [here('./flow.css')], bundle: true, minify: true, write: false, legalComments: 'none',
  });
  /** @type {Record<string, string>} */
  const catalogs = {};
  for (const file of CATALOG_FILES) {
    const out = await esbuild.build({
      entryPoints: [here(`./src/${file}`)], bundle: true, minify: true, format: 'esm', target: ['chrome100', 'firefox100', 'safari15'],
      legalComments: 'none', write: false, charset: 'utf8',
    });
    catalogs[file] = out.outputFiles[0].text;
  }
  return { 'flow.js': js.outputFiles[0].text, 'flow.css': css.outputFiles[0].text, ...catalogs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await buildFlow();
  const check = process.argv.includes('--check');
  await mkdir(here('./dist/i18n'), { recursive: true });
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
