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
/** @param {unknown} v */
const isLen = (v) => typeof v == 'number' || typeof v == 'string';

/** Option kinds other than string (every option not named here is a string, or absent). */
const KIND = /** @type {Record<string, (v: unknown) => boolean>} */ ({
  fields: isObj,
  widgetPadding: isObj,
  navigationPadding: isObj,
  frameAncestors: isStrings,
  sandboxAttributes: isStrings,
  fieldMappings: Array.isArray,
  frameHeight: isLen,
  frameWidth: isLen,
  parent: (v) => v instanceof Element,
  eventsAllowlist: (v) => v == 'all' || isStrings(v),
});

/**
 * Why `o` is not a valid configuration, or `undefined` if it is.
 * @param {Obj} o
 * @returns {string | undefined}
 */
export const invalid = (o) => {
  for (const [k, v] of Object.entries(o))
    if (v != null && !(KIND[k] || ((x) => typeof x == (k.startsWith('on') ? 'function' : 'string')))(v))
      return 'invalid option ' + k;
  return !(o.templateId || o.templateVersionId) == !o.inquiryId
    ? 'need one of templateId, templateVersionId or inquiryId'
    : o.sessionToken && !o.inquiryId
      ? 'sessionToken needs inquiryId'
      : o.accountId && (o.referenceId || o.accountTypeId)
        ? 'accountId excludes referenceId and accountTypeId'
        : baseOf(o.host)
          ? undefined
          : 'host must be your Verity server origin';
};

/**
 * What `Client` and `Inline` do first: give `self` its container id and options, then either report an
 * invalid configuration through `onError` once the caller has its object (docs/contract.md §3: never thrown)
 * and return `undefined`, or build the flow's iframe and listen to it.
 * @param {{ containerId?: string, options?: Obj }} self
 * @param {unknown} options
 * @param {'embedded' | 'inline'} flowType
 * @param {Tap} tap
 * @param {string} [problem] a further reason the configuration is invalid
 * @returns {[HTMLIFrameElement, () => void] | undefined}
 */
export const start = (self, options, flowType, tap, problem) => {
  if (!isObj(options)) throw new TypeError('options must be an object');
  const id = (self.containerId = 'verity-' + Math.random().toString(36).slice(2));
  self.options = options;
  const message = invalid(options) || problem;
  if (message) queueMicrotask(() => call(options.onError || console.error, { status: 400, code: 'invalid_config', message }));
  else {
    const f = setupIframe(document.createElement('iframe'), id, flowType, options);
    return [f, setupEvents(id, { ...options, iframe: f }, tap)];
  }
};

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
 * The query parameters, in the official SDK's order, as camelCase names whose kebab-case is the wire key
 * (`inquiryTemplateVersionId` → `inquiry-template-version-id`).
 */
const PARAMS = (
  'clientVersion containerId flowType routingCountry templateId inquiryTemplateId inquiryTemplateVersionId environment ' +
  'environmentId iframeOrigin frameAncestors messageTargetOrigin inquiryId language shareToken fieldMappings referenceId ' +
  'accountId accountTypeId fields styleVariant themeSetId widgetPadding navigationPadding serverOutageMode'
).split(' ');

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
  /** @type {Obj} */
  const v = {
    ...o,
    clientVersion: VERSION,
    containerId,
    flowType,
    templateId: !dyn && t,
    inquiryTemplateId: dyn && t,
    inquiryTemplateVersionId: o.templateVersionId,
    iframeOrigin: location.origin,
    fieldMappings: fm && fm.length && dash(fm),
    fields: dash(o.fields || {}),
  };
  /** @type {string[]} */
  const out = [];
  // Blank top-level values are left out, as the official SDK does.
  for (const k of PARAMS) if (v[k]) qs(v[k], kebab(k), out);
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
  iframe.allow = 'camera;microphone;clipboard-write'; // what the flow uses (no WebAuthn step)
  iframe.setAttribute(
    'sandbox',
    [
      'allow-scripts allow-same-origin allow-popups',
      ...(/** @type {string[]} */ (options.sandboxAttributes) || ['allow-forms allow-modals allow-top-navigation-by-user-activation']),
    ].join(' '),
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
 * @param {Obj | undefined} o options (none when the configuration was invalid: nothing was built)
 * @param {'open' | 'exit' | 'destroy'} action
 * @param {Obj} [metadata]
 */
export const post = (iframe, o, action, metadata = {}) => {
  const w = iframe && iframe.contentWindow;
  const base = o && baseOf(o.host);
  if (w && base) w.postMessage({ action, metadata }, base);
};

/**
 * The inline flow: an iframe inside `container`, as tall as the flow's current page.
 */
export class Inline {
  /** @type {(() => void) | undefined} */ #off;
  /** @type {HTMLIFrameElement | undefined} the flow's iframe, until `destroy()` */ iframe;
  /** @type {string | undefined} */ containerId;
  /** @type {Obj | undefined} */ options;
  /**
   * @param {Element} container
   * @param {Obj} options
   */
  constructor(container, options) {
    const flow = start(
      this,
      options,
      'inline',
      (name, m) => {
        // page-change carries the height at the top level and under `metadata` (docs/contract.md §4): prefer either.
        const h = name == 'page-change' && m && (m.pageHeight ?? /** @type {Obj} */ (m.metadata || {}).pageHeight);
        if (typeof h == 'number' && h > 0) f.style.height = h + 'px';
      },
      container instanceof Element ? '' : 'invalid container',
    );
    if (!flow) return;
    const f = (this.iframe = flow[0]);
    this.#off = flow[1];
    f.style.cssText += ';display:block;width:100%;border:0;height:' + (px(options.frameHeight) || '600px');
    container.append(f);
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
