// inline.js — the layer every integration sits on: option checks, the widget URL, `setupIframe` and
// `setupEvents` (same signatures as the official `persona` 5.x SDK, so integrators switch by changing the
// import), and the inline flow (`mount` / `Inline`) that resizes its iframe to the flow's page height.
// Invariants (docs/contract.md §6): a message is accepted only from the flow's exact origin, from this iframe's own
// window, with this client's `containerId` and a payload that passes protocol.js; the session token never
// enters the URL query (it travels in the fragment); nothing is ever posted to `'*'`; an exception in an
// integrator's callback is reported to `console.error` and never escapes into our listener.

import { GRANULAR_EVENTS, DYNAMIC_TEMPLATE_PREFIX, SESSION_TOKEN_FRAGMENT, WIDGET_PATH, isObj, parseFlowMessage } from './protocol.js';

/**
 * @typedef {import('./protocol.js').Obj} Obj
 * @typedef {Obj & { iframe?: HTMLIFrameElement }} EventOptions
 * @typedef {(name: string, metadata: Obj | undefined) => void} Tap
 */

/** Sent as `client-version` so the server can tell our SDK from the official one. */
export const VERSION = 'verity-0.1.0';

/** Iframes built by `setupIframe`, by container id: `setupEvents` checks `event.source` against them. */
const frames = /** @type {Map<string, HTMLIFrameElement>} */ (new Map());

export const NEED_OPTIONS = 'options must be an object';

/** A fresh container id (not a secret: the origin and source checks do the protecting). */
export const newId = () => 'verity-' + Math.random().toString(36).slice(2);

/**
 * Calls an integrator's callback; its exception is logged, never thrown into our state (docs/contract.md §6).
 * @param {unknown} f
 * @param {...unknown} args
 */
export const call = (f, ...args) => {
  try {
    if (typeof f == 'function') f(...args);
  } catch (e) {
    console.error(e);
  }
};

/**
 * The server's origin for `host`: a full origin (`http://localhost:8080`), or the official SDK's form
 * (`localhost:8080` → http, any other bare host → https). `undefined` if it is not a usable origin.
 * @param {unknown} host
 */
export const baseOf = (host) => {
  if (typeof host == 'string')
    try {
      const u = new URL(/^https?:\/\//.test(host) ? host : (host.startsWith('localhost') ? 'http://' : 'https://') + host);
      // Browsers differ on odd hosts (Chromium escapes spaces): accept plain names, IPs and ports only.
      if (/^[\w.:[\]-]+$/.test(u.host)) return u.origin;
    } catch {}
};

/** @param {unknown} v */
const isStrings = (v) => Array.isArray(v) && v.every((s) => typeof s == 'string');

/** Option kinds other than string (every option not named here is a string, or absent). */
const KIND = /** @type {Record<string, (v: unknown) => boolean>} */ ({
  fields: isObj,
  widgetPadding: isObj,
  navigationPadding: isObj,
  frameAncestors: isStrings,
  sandboxAttributes: isStrings,
  fieldMappings: Array.isArray,
  frameHeight: (v) => typeof v == 'number' || typeof v == 'string',
  parent: (v) => v instanceof Element,
  eventsAllowlist: (v) => v == 'all' || isStrings(v),
});
KIND.frameWidth = KIND.frameHeight;

/**
 * Why `o` is not a valid configuration, or `undefined` if it is.
 * @param {Obj} o
 * @returns {string | undefined}
 */
export const invalid = (o) => {
  for (const [k, v] of Object.entries(o))
    if (v != null && !(KIND[k] || (k.startsWith('on') ? (x) => typeof x == 'function' : (x) => typeof x == 'string'))(v))
      return 'invalid option ' + k;
  if (!(o.templateId || o.templateVersionId) == !o.inquiryId)
    return 'need one of templateId, templateVersionId or inquiryId';
  if (o.sessionToken && !o.inquiryId) return 'sessionToken needs inquiryId';
  if (o.accountId && (o.referenceId || o.accountTypeId)) return 'accountId excludes referenceId and accountTypeId';
  if (!baseOf(o.host)) return 'host must be your Verity server origin';
};

/**
 * Reports an invalid configuration through `onError` once the caller has its object (docs/contract.md §3).
 * @param {Obj} o
 * @param {string} message
 */
export const reportInvalid = (o, message) =>
  queueMicrotask(() => call(o.onError || console.error, { status: 400, code: 'invalid_config', message }));

/** `qs`-style percent-encoding (RFC 3986: `!'()*` are escaped too). @param {string} s */
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/** lodash `kebabCase` for field keys: `nameFirst`, `name_first` → `name-first`. @param {string} s */
const kebab = (s) => (s.match(/[A-Z]{2,}(?=[A-Z][a-z]|\b|\d|_)|[A-Z]?[a-z]+|[A-Z]+|\d+/g) || []).join('-').toLowerCase();

/**
 * Kebab-cases the keys of plain objects, deeply (the official SDK's `dasherize`).
 * @param {unknown} v
 * @returns {unknown}
 */
const dash = (v) =>
  Array.isArray(v)
    ? v.map(dash)
    : v != null && /** @type {Obj} */ (v).constructor === Object
      ? Object.fromEntries(Object.entries(/** @type {Obj} */ (v)).map(([k, x]) => [kebab(k), dash(x)]))
      : v;

/**
 * `qs.stringify(v, { skipNulls: true })`: bracket keys, indexed arrays, nulls left out.
 * @param {unknown} v
 * @param {string} key
 * @param {string[]} out
 */
const qs = (v, key, out) => {
  if (v == null) return;
  if (typeof v == 'object') for (const [k, x] of Object.entries(v)) qs(x, key ? key + '[' + k + ']' : k, out);
  else out.push(enc(key) + '=' + enc(String(v)));
};

/**
 * The widget URL, built like the official SDK's except the session token goes in the fragment.
 * @param {string} containerId
 * @param {'embedded' | 'inline'} flowType
 * @param {Obj} o options, already checked by `invalid`
 */
export const widgetUrl = (containerId, flowType, o) => {
  const t = /** @type {string | undefined} */ (o.templateId);
  const dyn = t && t.startsWith(DYNAMIC_TEMPLATE_PREFIX);
  const fm = /** @type {unknown[] | undefined} */ (o.fieldMappings);
  /** @type {string[]} */
  const out = [];
  // Same keys in the same order as the official SDK; blank top-level values are left out as it does.
  for (const [k, v] of Object.entries({
    'client-version': VERSION,
    'container-id': containerId,
    'flow-type': flowType,
    'routing-country': o.routingCountry,
    'template-id': !dyn && t,
    'inquiry-template-id': dyn && t,
    'inquiry-template-version-id': o.templateVersionId,
    environment: o.environment,
    'environment-id': o.environmentId,
    'iframe-origin': location.origin,
    'frame-ancestors': o.frameAncestors,
    'message-target-origin': o.messageTargetOrigin,
    'inquiry-id': o.inquiryId,
    language: o.language,
    'share-token': o.shareToken,
    'field-mappings': fm && fm.length && dash(fm),
    'reference-id': o.referenceId,
    'account-id': o.accountId,
    'account-type-id': o.accountTypeId,
    fields: dash(o.fields || {}),
    'style-variant': o.styleVariant,
    'theme-set-id': o.themeSetId,
    'widget-padding': o.widgetPadding,
    'navigation-padding': o.navigationPadding,
    'server-outage-mode': o.serverOutageMode,
  }))
    if (v) qs(v, k, out);
  const token = o.sessionToken;
  return (
    baseOf(o.host) + WIDGET_PATH + '?' + out.join('&') + (token ? '#' + SESSION_TOKEN_FRAGMENT + '=' + enc(String(token)) : '')
  );
};

/** @param {unknown} v a CSS length given as a number of pixels or a string */
export const px = (v) => (typeof v == 'number' ? v + 'px' : typeof v == 'string' ? v : '');

/**
 * Points `iframe` at the flow (official signature). Throws an `Error` on an invalid configuration, as the
 * official SDK does; `Client` and `mount` check first and report through `onError` instead.
 * @param {HTMLIFrameElement} iframe
 * @param {string} containerId
 * @param {'embedded' | 'inline'} flowType
 * @param {Obj} options
 */
export function setupIframe(iframe, containerId, flowType, options) {
  const err = invalid(options);
  if (err) throw new Error(err);
  const s = iframe.style;
  s.maxHeight = px(options.frameHeight);
  s.maxWidth = px(options.frameWidth);
  if (flowType == 'embedded') {
    iframe.setAttribute('role', 'dialog');
    iframe.setAttribute('aria-modal', 'true');
  }
  iframe.title = /** @type {string} */ (options.iframeTitle) || 'Verify your identity';
  iframe.className = 'verity-iframe';
  iframe.allow = 'camera;microphone;clipboard-write'; // what the flow uses (no WebAuthn step)
  iframe.setAttribute(
    'sandbox',
    ['allow-scripts', 'allow-same-origin', 'allow-popups']
      .concat(/** @type {string[]} */ (options.sandboxAttributes) || ['allow-forms', 'allow-modals', 'allow-top-navigation-by-user-activation'])
      .join(' '),
  );
  iframe.src = widgetUrl(containerId, flowType, options);
  frames.set(containerId, iframe);
  return iframe;
}

/**
 * Listens to the flow of `containerId` (official signature) and calls the callbacks; returns the
 * unsubscribe function. The iframe whose window may speak is `options.iframe` or the one `setupIframe`
 * built for this container id; without one, every message is dropped.
 * @param {string} containerId
 * @param {EventOptions} o
 * @param {Tap} [tap] internal: sees every accepted message before the callbacks
 * @returns {() => void}
 */
export function setupEvents(containerId, o, tap) {
  const base = baseOf(o.host);
  const list = /** @type {string[] | 'all' | null | undefined} */ (o.eventsAllowlist);
  // Without a list, everything but the granular interaction events (as the official default list).
  const pass = (/** @type {string} */ n) => (list == 'all' ? true : list ? list.includes(n) : !GRANULAR_EVENTS.includes(n));
  /** @param {MessageEvent} e */
  const listener = (e) => {
    const f = o.iframe || frames.get(containerId);
    /** @type {import('./protocol.js').FlowMessage | null} */
    let d;
    // docs/contract.md §6: exact origin and this iframe's own window before anything in the message is read, then a
    // valid payload for this container. (The official SDK's templateId echo check adds nothing once the
    // sender is known to be our own iframe.)
    if (
      !f ||
      e.origin !== base ||
      e.source !== f.contentWindow ||
      !(d = parseFlowMessage(e.data)) ||
      d.containerId !== containerId
    )
      return;
    const { name, metadata: m = {} } = d;
    if (tap) tap(name, d.metadata);
    if (pass(name)) call(o.onEvent, name, d.metadata);
    if (name == 'load') call(o.onLoad);
    if (name == 'ready') call(o.onReady, { preferredDimensions: m.preferredDimensions, styles: m.styles });
    if (name == 'complete' || name == 'fail')
      call(o.onComplete, { inquiryId: m.inquiryId, status: m.status, fields: m.fields ?? m.scopes });
    if (name == 'exit') call(o.onCancel, { inquiryId: m.inquiryId, sessionToken: m.sessionToken });
    if (name == 'error') call(o.onError, d.error);
  };
  addEventListener('message', listener);
  return () => {
    removeEventListener('message', listener);
    if (frames.get(containerId) == o.iframe) frames.delete(containerId);
  };
}

/**
 * Posts a host action to the flow, only ever to its exact origin (docs/contract.md §5/§6).
 * @param {HTMLIFrameElement | undefined} iframe
 * @param {Obj} o options
 * @param {'open' | 'exit' | 'destroy'} action
 * @param {Obj} [metadata]
 */
export const post = (iframe, o, action, metadata = {}) => {
  const w = iframe && iframe.contentWindow;
  const base = baseOf(o.host);
  if (w && base) w.postMessage({ action, metadata }, base);
};

/**
 * The inline flow: an iframe inside `container`, as tall as the flow's current page.
 */
export class Inline {
  /** @type {(() => void) | undefined} */ #off;
  /** @type {HTMLIFrameElement | undefined} the flow's iframe, until `destroy()` */ iframe;
  /**
   * @param {Element} container
   * @param {Obj} options
   */
  constructor(container, options) {
    if (!isObj(options)) throw new TypeError(NEED_OPTIONS);
    this.containerId = newId();
    /** @type {Obj} */
    this.options = options;
    const err = invalid(options) || (container instanceof Element ? '' : 'invalid container');
    if (err) {
      reportInvalid(options, err);
      return;
    }
    const f = (this.iframe = setupIframe(document.createElement('iframe'), this.containerId, 'inline', options));
    f.style.cssText += ';display:block;width:100%;border:0;height:' + (px(options.frameHeight) || '600px');
    container.append(f);
    this.#off = setupEvents(this.containerId, { ...options, iframe: f }, (name, m) => {
      // page-change carries the height at the top level and under `metadata` (docs/contract.md §4): prefer either.
      const h = name == 'page-change' && m && (m.pageHeight ?? /** @type {Obj} */ (m.metadata || {}).pageHeight);
      if (typeof h == 'number' && h > 0) f.style.height = h + 'px';
    });
  }

  /** Tells the flow to close and removes the iframe and the listener. Safe to call twice. */
  destroy() {
    post(this.iframe, this.options, 'destroy');
    if (this.#off) this.#off();
    if (this.iframe) this.iframe.remove();
    this.#off = this.iframe = undefined;
  }
}

/**
 * Renders the inline flow inside `container`.
 * @param {Element} container
 * @param {Obj} options
 */
export const mount = (container, options) => new Inline(container, options);
