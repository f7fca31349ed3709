// client.test.js — a typed client generated from the running server's /openapi.json with
// openapi-typescript (types) and openapi-fetch (calls), used against that server: create,
// get, list, resume, and a typed error. `tsc -p web/jsconfig.json` checks the calls below
// against verity-api.d.ts; the first test proves that file is what the generator makes from
// the server's document today (UPDATE_API_TYPES=1 rewrites it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import openapiTS from 'openapi-typescript';
import createClient from 'openapi-fetch';
import { startServer } from '../lib/server.js';

/** @typedef {import('./verity-api.js').paths} paths */

const typesFile = new URL('./verity-api.d.ts', import.meta.url);

/** @type {import('../lib/server.js').VerityServer} */
let server;
/** @type {ReturnType<typeof createClient<paths>>} */
let client;

before(async () => {
  server = await startServer();
  client = createClient({
    baseUrl: `http://127.0.0.1:${server.port}`,
    headers: { authorization: `Bearer ${server.apiKey}` },
  });
});

after(async () => {
  await server?.stop();
});

test('the committed client types are generated from the served /openapi.json', async () => {
  const res = await fetch(`http://127.0.0.1:${server.port}/openapi.json`);
  assert.equal(res.status, 200);
  const schema = await res.json();
  const generated = await openapiTS(schema);
  if (process.env.UPDATE_API_TYPES) await writeFile(typesFile, generated);
  const committed = await readFile(typesFile, 'utf8');
  assert.equal(committed, generated, 'verity-api.d.ts is stale: run the web tests with UPDATE_API_TYPES=1');
});

test('create, get, list and resume an inquiry through the generated client', async () => {
  const reference = `generated-client-${Date.now()}`;
  const created = await client.POST('/api/v1/inquiries', {
    body: { data: { attributes: { 'inquiry-template-id': server.templates.dynamic, 'reference-id': reference, tags: ['generated'] } } },
  });
  assert.equal(created.response.status, 201);
  if (!created.data) throw new Error(`create failed: ${JSON.stringify(created.error)}`);
  const inquiry = created.data.data;
  assert.equal(inquiry.type, 'inquiry');
  assert.equal(inquiry.attributes.status, 'created');
  assert.deepEqual(inquiry.attributes.tags, ['generated']);

  const got = await client.GET('/api/v1/inquiries/{id}', {
    params: { path: { id: inquiry.id }, query: { include: 'account' } },
  });
  if (!got.data) throw new Error(`get failed: ${JSON.stringify(got.error)}`);
  assert.equal(got.data.data.id, inquiry.id);
  assert.equal(got.data.data.attributes['reference-id'], reference);
  const account = got.data.data.relationships.account.data;
  assert.ok(account, 'a reference-id links an account');
  assert.deepEqual(got.data.included?.map((r) => r.id), [account.id]);

  const listed = await client.GET('/api/v1/inquiries', {
    params: { query: { 'filter[reference-id]': reference, 'page[size]': 5 } },
  });
  if (!listed.data) throw new Error(`list failed: ${JSON.stringify(listed.error)}`);
  assert.deepEqual(listed.data.data.map((i) => i.id), [inquiry.id]);
  assert.equal(listed.data.links.next, null);

  const resumed = await client.POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry.id } } });
  if (!resumed.data) throw new Error(`resume failed: ${JSON.stringify(resumed.error)}`);
  const meta = resumed.data.meta;
  assert.ok(meta, 'resume returns the new session in meta');
  assert.match(meta['session-token'], /\S{20,}/);
  assert.match(meta['session-id'], /^iqse_/);
});

test('an error answers with the typed error document', async () => {
  const missing = await client.GET('/api/v1/inquiries/{id}', { params: { path: { id: 'inq_doesnotexist' } } });
  assert.equal(missing.response.status, 404);
  assert.equal(missing.data, undefined);
  assert.equal(missing.error?.errors[0].title, 'Not found');
});
