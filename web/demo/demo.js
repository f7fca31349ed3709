// demo.js — the demo host page (docs/contract.md §8): pick a demo template, open it as modal or inline (or resume
// with an inquiry id + session token), and watch every callback and event, timestamped with its metadata,
// beside the inquiry's status as the API reports it (polled every second while an inquiry is known).
// Served by `verity serve` at /demo on another origin than the flow; the SDK comes from /sdk/v1/verity.js.
// The outbox panel lists the current inquiry's hand-off links of the default `log` sender
// (/demo/api/outbox?inquiry=ID; only for an inquiry this page created), so a person can try "Continue on
// your phone" on one machine.

// @ts-ignore -- served by the server next to this page; same module as web/sdk/dist/verity.js
import { Client, mount } from '/sdk/v1/verity.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/** The flow runs on the other loopback name: 127.0.0.1:P ↔ localhost:P (a different origin). */
const defaultHost = () => {
  const u = new URL(location.href);
  u.hostname = u.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  return u.origin;
};

/** @type {{ destroy(): void } | null} */
let flow = null;
/** @type {string | null} */
let inquiryId = null;
/** @type {ReturnType<typeof setInterval> | undefined} */
let poll;

/**
 * Appends one timestamped line to the log.
 * @param {'callback' | 'event'} kind
 * @param {string} name
 * @param {unknown} [data]
 */
function log(kind, name, data) {
  const li = document.createElement('li');
  li.className = kind;
  const time = document.createElement('time');
  time.textContent = new Date().toISOString().slice(11, 23);
  li.append(time, `${kind === 'callback' ? name + '()' : 'event ' + name} ${data === undefined ? '' : JSON.stringify(data)}`);
  $('log').append(li);
  li.scrollIntoView({ block: 'nearest' });
}

/** @param {unknown} id */
function track(id) {
  if (typeof id !== 'string' || id === inquiryId) return;
  inquiryId = id;
  clearInterval(poll);
  const refresh = async () => {
    try {
      const r = await fetch(`/demo/api/inquiries/${encodeURIComponent(id)}`);
      $('status').textContent = `${id}\n` + JSON.stringify(await r.json(), null, 2);
    } catch (e) {
      $('status').textContent = `${id}\n(API unreachable: ${e})`;
    }
  };
  refresh();
  poll = setInterval(refresh, 1000);
}

async function loadTemplates() {
  const select = /** @type {HTMLSelectElement} */ (document.getElementById('template'));
  try {
    const templates = /** @type {{ id: string, name: string, kind: string, status: string, steps?: string[] }[]} */ (
      await (await fetch('/demo/api/templates')).json()
    );
    for (const t of templates) select.add(new Option(`${t.name} (${t.kind}, ${t.status})`, t.id));
    // Open on an active template with an ID and a selfie step (the whole flow; the demo API lists `steps`
    // when it knows them), else on an active dynamic one (the seeded ID-and-selfie demo), else on any
    // active one: an inactive template's first click would only show an error.
    const active = templates.filter((t) => t.status === 'active');
    const full = active.find((t) => ['government_id', 'selfie'].every((k) => t.steps?.includes(k)));
    const chosen = full ?? active.find((t) => t.kind === 'dynamic') ?? active[0];
    if (chosen) select.value = chosen.id;
  } catch (e) {
    log('event', 'demo', { error: `cannot list templates: ${e}` });
  }
}

function reset() {
  if (flow) flow.destroy();
  flow = null;
  inquiryId = null;
  clearInterval(poll);
  $('status').textContent = 'no inquiry yet';
}

/**
 * A new inquiry from the chosen template, made by this server's demo endpoint: it tags the inquiry as the
 * demo's, and the status panel shows only such inquiries. Another host creates its own, from the template.
 * @param {string} host
 * @returns {Promise<{ inquiryId: string } | { templateId: string }>}
 */
async function newInquiry(host) {
  const templateId = $('template').value;
  if (host !== defaultHost()) return { templateId };
  const r = await fetch('/demo/api/inquiries', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ templateId }),
  });
  const body = await r.json();
  if (!r.ok || typeof body.inquiryId !== 'string') throw new Error(JSON.stringify(body));
  return { inquiryId: body.inquiryId };
}

/** @param {SubmitEvent} e */
async function start(e) {
  e.preventDefault();
  reset();
  const resumeId = $('inquiry').value.trim();
  const token = $('token').value.trim();
  const host = $('host').value.trim() || defaultHost();
  /** @type {{ inquiryId: string } | { templateId: string }} */
  let target;
  try {
    target = resumeId ? { inquiryId: resumeId } : await newInquiry(host);
  } catch (err) {
    log('event', 'demo', { error: `cannot create an inquiry: ${err}` });
    return;
  }
  if ('inquiryId' in target && !resumeId) track(target.inquiryId);
  /** @type {any} */
  const options = {
    host,
    ...('inquiryId' in target ? { inquiryId: target.inquiryId, sessionToken: token || undefined } : target),
    eventsAllowlist: 'all',
    onLoad: () => log('callback', 'onLoad'),
    onReady: (/** @type {unknown} */ m) => log('callback', 'onReady', m),
    onCancel: (/** @type {any} */ p) => {
      log('callback', 'onCancel', p);
      track(p.inquiryId);
      if (p.inquiryId) $('inquiry').value = p.inquiryId;
      if (p.sessionToken) $('token').value = p.sessionToken;
    },
    onComplete: (/** @type {any} */ p) => {
      log('callback', 'onComplete', p);
      track(p.inquiryId);
    },
    onError: (/** @type {unknown} */ err) => log('callback', 'onError', err),
    onEvent: (/** @type {string} */ name, /** @type {any} */ m) => {
      log('event', name, m);
      if (m && m.inquiryId) track(m.inquiryId);
    },
  };
  if (resumeId) track(resumeId);
  if ($('mode').value === 'inline') flow = mount(/** @type {Element} */ (document.getElementById('inline')), options);
  else {
    const client = new Client(options);
    flow = client;
    client.open();
  }
}

/** The current inquiry's hand-off messages of the log sender (docs/handoff.md), newest first, each link clickable. */
async function refreshOutbox() {
  if (!inquiryId) return;
  try {
    const r = await fetch(`/demo/api/outbox?inquiry=${encodeURIComponent(inquiryId)}`);
    if (!r.ok) return;
    const messages = /** @type {{ at: number, channel: string, to: string, text: string }[]} */ (await r.json());
    if (!messages.length) return;
    $('outbox').replaceChildren(...messages.map((m) => {
      const li = document.createElement('li');
      const link = /https?:\/\/\S+\/verify\?code=\S+/.exec(m.text)?.[0];
      li.append(`${new Date(m.at).toISOString().slice(11, 19)} ${m.channel} to ${m.to}: `);
      if (link) {
        const a = document.createElement('a');
        a.href = link;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.textContent = link;
        li.append(a);
      } else li.append(m.text);
      return li;
    }));
  } catch {
    // The outbox is a convenience; the demo works without it.
  }
}
refreshOutbox();
setInterval(refreshOutbox, 2000);

$('host').placeholder = defaultHost();
document.getElementById('setup')?.addEventListener('submit', start);
document.getElementById('reset')?.addEventListener('click', () => {
  reset();
  $('log').replaceChildren();
});
loadTemplates();
