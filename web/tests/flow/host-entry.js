// host-entry.js — the integrator's page in the flow tests, built from the UNMODIFIED official npm packages
// `persona` (Client, setupIframe/setupEvents) and `persona-react`. Every callback and event is recorded in
// `window.__log` (JSON-cloned, in arrival order) for the test to read.

import { Client, setupEvents, setupIframe } from 'persona';
// persona-react's UMD build exports the component as module.exports: the default import is the one that works.
import Inquiry from 'persona-react';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

/** @type {{ kind: string, name: string, data: any, at: number, widget?: string }[]} */
const log = [];
/** @type {any} */ (window).__log = log;

/** @param {string} kind @param {string} name @param {unknown} [data] @param {string} [widget] */
const rec = (kind, name, data, widget) =>
  log.push({ kind, name, data: data === undefined ? null : JSON.parse(JSON.stringify(data, (_, v) => (v === undefined ? '__undefined__' : v))), at: performance.now(), widget });

/** Callbacks recording everything; `after` hooks let a mode react (open the modal, resize inline). */
function callbacks(/** @type {{ onReady?: () => void, onEvent?: (n: string, m: any) => void }} */ after = {}, /** @type {string | undefined} */ widget = undefined) {
  return {
    onLoad: () => rec('callback', 'onLoad', undefined, widget),
    onReady: (/** @type {unknown[]} */ ...args) => { rec('callback', 'onReady', args, widget); after.onReady?.(); },
    onComplete: (/** @type {unknown} */ x) => rec('callback', 'onComplete', x, widget),
    onCancel: (/** @type {unknown} */ x) => rec('callback', 'onCancel', x, widget),
    onError: (/** @type {unknown} */ x) => rec('callback', 'onError', x, widget),
    onEvent: (/** @type {string} */ name, /** @type {unknown} */ meta) => { rec('event', name, meta, widget); after.onEvent?.(name, meta); },
  };
}

const w = /** @type {any} */ (window);
// The bare Client, for the benchmark (tests/bench/flow-ready.mjs).
w.__PersonaClient = Client;

w.startModal = (/** @type {any} */ options) => {
  /** @type {any} */
  let client;
  client = new Client({ ...options, eventsAllowlist: 'all', ...callbacks({ onReady: () => client.open() }) });
  w.__client = client;
};

w.startInline = (/** @type {any} */ options, containerId = 'inline-container') => {
  const iframe = document.createElement('iframe');
  /** @type {HTMLElement} */ (document.getElementById('inline')).append(iframe);
  setupIframe(iframe, containerId, 'inline', options);
  const cb = callbacks({
    onEvent: (name, meta) => {
      // docs/contract.md §4: the inline flow resizes the iframe to page-change's pageHeight.
      if (name === 'page-change' && typeof meta?.metadata?.pageHeight === 'number') iframe.style.height = `${meta.metadata.pageHeight}px`;
    },
  }, containerId);
  setupEvents(containerId, { ...cb, templateId: options.templateId ?? null, templateVersionId: options.templateVersionId ?? null, host: options.host, eventsAllowlist: 'all' });
};

w.startReact = (/** @type {any} */ options) => {
  createRoot(/** @type {HTMLElement} */ (document.getElementById('react'))).render(
    createElement(/** @type {any} */ (Inquiry), { ...options, eventsAllowlist: 'all', ...callbacks() }),
  );
};
