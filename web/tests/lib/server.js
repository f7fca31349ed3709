// server.js — starts the real `verity` binary for browser tests: built once with `cargo build -p verity`
// (debug), run with a fresh temporary SQLite data dir on a free port (127.0.0.1:0, port read from its
// startup line), and the API key it prints on first start. Shared by the flow and SDK tests.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
// VERITY_BIN (the bench passes its release build) replaces the debug build, which is then not built.
const binary = process.env.VERITY_BIN || join(repoRoot, 'target', 'debug', 'verity');

let built = false;
/**
 * Builds the server once per test process (cargo is a no-op when up to date). The whole workspace
 * with every target, as `cargo test --workspace` builds it: `-p verity` would resolve features for
 * one package and rebuild heavy dependencies (tract) in a second configuration.
 */
export function buildServer() {
  if (built || process.env.SKIP_CARGO_BUILD || process.env.VERITY_BIN) return;
  const r = spawnSync('cargo', ['build', '-q', '--workspace', '--all-targets'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('cargo build --workspace --all-targets failed');
  built = true;
}

/**
 * @typedef {{ id: string, name: string, kind: string, status: string }} TemplateInfo
 * @typedef {{ port: number, origin: string, apiKey: string, dataDir: string,
 *   templates: { dynamic: string, legacy: string, inactive: string },
 *   api: (path: string, init?: RequestInit) => Promise<any>, stop: () => Promise<void> }} VerityServer
 */

/**
 * @param {{ env?: Record<string, string>, apiKey?: string }} [opts] `env`: more VERITY_* settings (e.g.
 *   VERITY_DATABASE_URL); `apiKey`: the key to use when the database already has one (none is printed then)
 * @returns {Promise<VerityServer>}
 */
export async function startServer(opts = {}) {
  buildServer();
  const dataDir = await mkdtemp(join(tmpdir(), 'verity-test-'));
  const child = spawn(binary, ['serve'], {
    cwd: dataDir,
    // The server reads every VERITY_* variable as configuration: pass only ours.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VERITY_'))), VERITY_DATA_DIR: join(dataDir, 'data'), VERITY_LISTEN: '127.0.0.1:0', RUST_LOG: 'warn', NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const started = await new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`verity exited with ${code}:\n${out}\n${err}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const port = /serving on 127\.0\.0\.1:(\d+)/.exec(out);
      const key = /(vk_[A-Za-z0-9]+)/.exec(out)?.[1] ?? opts.apiKey;
      if (port && key) resolve({ port: Number(port[1]), apiKey: key });
    });
  });
  const { port, apiKey } = /** @type {{ port: number, apiKey: string }} */ (started);
  // docs/contract.md §5: the official SDK maps `host: 'localhost:PORT'` to http://localhost:PORT.
  const origin = `http://localhost:${port}`;
  /** @param {string} path @param {RequestInit} [init] */
  const api = async (path, init = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const list = await api('/inquiry-templates?page[size]=100');
  /** @type {TemplateInfo[]} */
  const all = list.data.map((/** @type {any} */ t) => ({ id: t.id, name: t.attributes.name, kind: t.attributes.kind, status: t.attributes.status }));
  const find = (/** @type {(t: TemplateInfo) => boolean} */ f) => {
    const t = all.find(f);
    if (!t) throw new Error(`demo template missing in ${JSON.stringify(all)}`);
    return t.id;
  };
  const templates = {
    dynamic: find((t) => t.kind === 'dynamic' && t.status === 'active'),
    legacy: find((t) => t.kind === 'legacy' && t.status === 'active'),
    inactive: find((t) => t.status === 'inactive'),
  };
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  return { port, origin, apiKey, dataDir, templates, api, stop };
}
