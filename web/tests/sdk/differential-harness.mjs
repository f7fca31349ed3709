// differential-harness.mjs — what the differential test (differential.test.mjs) needs beyond harness.mjs:
// a host page on http://127.0.0.1:A that can start either the official `persona` 5.x Client
// (`window.Persona`) or ours (`window.verity`, from source) against the REAL Verity server on
// http://localhost:B, records every callback in order (`window.log`) and every message the flow posted
// (`window.wire`), and the normalisation that makes two runs comparable. Scripted individuals (the page
// by page steps) live here too, so both SDKs get exactly the same keystrokes.
import { readFile } from 'node:fs/promises';
import { WEB, officialBundle, serve } from './harness.mjs';

/** @typedef {{ kind: 'callback' | 'event', name: string, data: any }} Entry */

const HOST_PAGE = `<!doctype html><html lang=en><head><meta charset=utf-8><title>host</title></head><body>
<main><h1>Integrator page</h1></main>
<script src=/persona.js></script>
<script type=module>
  import * as verity from '/sdk/src/index.js';
  // JSON clone that keeps \`undefined\` visible (onCancel's both-undefined payload is part of the contract).
  const clone = (v) => v === undefined ? '__undefined__'
    : JSON.parse(JSON.stringify(v, (_, x) => (x === undefined ? '__undefined__' : x)));
  window.log = []; window.wire = []; window.errors = [];
  addEventListener('error', (e) => errors.push(String(e.message)));
  // Everything the flow posted, whoever accepts it: the ground truth both SDKs are filtered from.
  addEventListener('message', (e) => { if (e.origin === window.flowOrigin) wire.push(clone(e.data)); });
  /** @param {'official' | 'ours'} sdk @param {Record<string, unknown>} options */
  window.start = (sdk, options) => {
    const C = sdk === 'official' ? window.Persona.Client : verity.Client;
    let client;
    const cb = (name) => (...args) => log.push({ kind: 'callback', name, data: clone(args) });
    client = new C({
      ...options,
      onLoad: cb('onLoad'),
      onReady: (...args) => { log.push({ kind: 'callback', name: 'onReady', data: clone(args) }); client.open(); },
      onCancel: cb('onCancel'),
      onComplete: cb('onComplete'),
      onError: cb('onError'),
      onEvent: (name, meta) => log.push({ kind: 'event', name, data: clone(meta) }),
    });
    window.client = client;
  };
  document.body.dataset.ready = '1';
</script></body></html>`;

/** Starts the host page server (official bundle + our SDK source). */
export async function startDiffHost() {
  const persona = await officialBundle();
  const host = await serve(async (_req, url) => {
    if (url.pathname === '/host.html') return [200, 'text/html', HOST_PAGE];
    if (url.pathname === '/persona.js') return [200, 'text/javascript', persona];
    if (url.pathname.startsWith('/sdk/') && !url.pathname.includes('..'))
      return [200, 'text/javascript', await readFile(WEB + url.pathname.slice(1), 'utf8')];
  });
  return { origin: `http://127.0.0.1:${host.port}`, close: host.close };
}

/**
 * The official SDK's default events allow-list, read from the installed package (it is not exported),
 * so the comparison follows the version actually under test.
 * @returns {Promise<string[]>}
 */
export async function officialDefaultEvents() {
  const src = await readFile(WEB + 'node_modules/persona/dist/persona.mjs', 'utf8');
  // The list is the array literal that starts with "exit", "complete" (the `eventsAllowlist` fallback).
  const m = /=\s*\[\s*("exit",\s*"complete"[^\]]*)\]/.exec(src);
  if (!m) throw new Error('the official default events allow-list was not found in persona.mjs');
  return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}

/** Event names of docs/contract.md §4 (the table and the compatibility line below it). */
export const SPEC_EVENTS = [
  'start', 'document-camera-select', 'document-camera-capture', 'document-upload', 'documents-save-successful',
  'documents-save-fail', 'selfie-camera-select', 'selfie-camera-capture', 'selfie-record-upload',
  'load-camera-failed', 'one-time-link-sent', 'one-time-link-start', 'one-time-link-exit', 'complete',
  'page-change', 'load', 'ready', 'exit', 'error', 'fail', 'inquiry-load',
];

/**
 * Makes one run's log comparable with another's: ids become `prefix_#n` by order of first appearance
 * (so "the same inquiry everywhere" is still checked), ISO timestamps `<timestamp>`, page heights
 * `'positive number'` (anything else is kept, so a zero or missing height shows up in the diff).
 * @template T @param {T} value @returns {T}
 */
export function normalise(value) {
  /** @type {Map<string, string>} */
  const ids = new Map();
  /** @type {Record<string, number>} */
  const counts = {};
  /** @param {unknown} v @param {string} key @returns {unknown} */
  const walk = (v, key) => {
    if (Array.isArray(v)) return v.map((x) => walk(x, ''));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    if (key === 'pageHeight' && typeof v === 'number' && v > 0) return 'positive number';
    if (typeof v !== 'string') return v;
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v)) return '<timestamp>';
    // Per-run ids (inq_, vst_, doc_, file_ …); template ids (itmpl_/tmpl_) are the same in both runs.
    const id = /^(?!i?tmpl_)([a-z]+)_[A-Za-z0-9_-]{8,}$/.exec(v);
    if (!id) return v;
    if (!ids.has(v)) ids.set(v, `${id[1]}_#${(counts[id[1]] = (counts[id[1]] ?? 0) + 1)}`);
    return ids.get(v);
  };
  return /** @type {T} */ (walk(value, ''));
}

/**
 * A line-by-line diff of two entry sequences (LCS over their JSON lines), `-` official, `+` ours.
 * @param {Entry[]} a @param {Entry[]} b @returns {string}
 */
export function diffSequences(a, b) {
  const la = a.map((e) => `${e.kind} ${e.name} ${JSON.stringify(e.data)}`);
  const lb = b.map((e) => `${e.kind} ${e.name} ${JSON.stringify(e.data)}`);
  const n = la.length;
  const m = lb.length;
  const L = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) L[i][j] = la[i] === lb[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  /** @type {string[]} */
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && la[i] === lb[j]) out.push(`  ${la[i++]}`), j++;
    else if (j < m && (i === n || L[i][j + 1] >= L[i + 1][j])) out.push(`+ ${lb[j++]}`);
    else out.push(`- ${la[i++]}`);
  }
  return out.join('\n');
}
