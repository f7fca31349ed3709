// frame.js — the layer every integration sits on: `setupIframe` and `setupEvents` (same signatures as the
// official `persona` 5.x SDK, so integrators switch by changing the import), `post` for host actions, and
// `Flow`, what the modal and the inline flow share (options check, iframe, listener, destroy).
// Invariants (docs/contract.md §6): a message is accepted only from the flow's exact origin, from this iframe's own
// window, with this client's `containerId` and a payload that passes protocol.js; nothing is ever posted to
// `'*'`; an exception in an integrator's callback is reported to `console.error` and never escapes into our listener.

import { GRANULAR_EVENTS, isObj, parseFlowMessage } from './protocol.js';
import { baseOf, invalid, widgetUrl } from './url.js';

/**
 * @typedef {import('./protocol.js').Obj} Obj
 * @typedef {Obj & { iframe?: HTMLIFrameElement }} EventOptions
 * @typedef {(name: string, metadata: Obj) => void} Tap
 */

/** Iframes built by `setupIframe`, by container id: `setupEvents` checks `event.source` against them. */
const frames = /** @type {Map<string, HTMLIFrameElement>} */ (new Map());

/**
 * Calls an integrator's callback; its exception is logged, never thrown into our state (docs/contract.md §6).
 * @param {unknown} f
 * @param {...unknown} args
 */
const call = (f, ...args) => {
  try {
    if (typeof f == 'function') f(...args);
  } catch (e) {
    console.error(e);
  }
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
  iframe.sandbox.value = [
    'allow-scripts allow-same-origin allow-popups',
    ...(/** @type {string[]} */ (options.sandboxAttributes) || ['allow-forms allow-modals allow-top-navigation-by-user-activation']),
  ].join(' ');
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
 * @param {Tap} [tap] internal: sees every accepted message (its metadata, `{}` when it has none) before the callbacks
 * @returns {() => void}
 */
export function setupEvents(containerId, o, tap) {
  const base = baseOf(o.host);
  const list = /** @type {string[] | 'all' | null | undefined} */ (o.eventsAllowlist);
  /** @param {MessageEvent} e */
  const listener = (e) => {
    const f = o.iframe || frames.get(containerId);
    /** @type {import('./protocol.js').FlowMessage | null} */
    let d;
    // docs/contract.md §6: exact origin and this iframe's own window before anything in the message is read, then a
    // valid payload for this container. (The official SDK's templateId echo check adds nothing once the
    // sender is known to be our own iframe.)
    if (!f || e.origin !== base || e.source !== f.contentWindow || !(d = parseFlowMessage(e.data)) || d.containerId !== containerId)
      return;
    const { name, metadata } = d;
    const m = metadata || {};
    if (tap) tap(name, m);
    // Without a list, everything but the granular interaction events (as the official default list).
    if (list == 'all' || (list ? list.includes(name) : !GRANULAR_EVENTS.includes(name))) call(o.onEvent, name, metadata);
    if (name == 'load') call(o.onLoad);
    if (name == 'ready') call(o.onReady, { preferredDimensions: m.preferredDimensions, styles: m.styles });
    if (name == 'complete' || name == 'fail') call(o.onComplete, { inquiryId: m.inquiryId, status: m.status, fields: m.fields ?? m.scopes });
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
 * Posts a host action to the flow, only ever to its exact origin (docs/contract.md §5/§6); a no-op once
 * destroyed or when nothing was built (invalid options).
 * @param {Flow} flow
 * @param {'open' | 'exit' | 'destroy'} action
 * @param {Obj} [metadata]
 */
export const post = (flow, action, metadata = {}) => {
  const w = flow.iframe?.contentWindow;
  if (w) w.postMessage({ action, metadata }, /** @type {string} */ (baseOf(flow.options.host)));
};

/**
 * What `Client` and `Inline` share. Gives itself a container id and keeps the options; then either reports
 * an invalid configuration through `onError` once the caller has its object (docs/contract.md §3: never
 * thrown) and builds nothing, or builds the flow's iframe (not yet in the document) and listens to it.
 */
export class Flow {
  /** @type {HTMLIFrameElement | undefined} the flow's iframe, until `destroy()` */ iframe;
  /** @type {(() => void) | undefined} */ #off;
  /** @type {string} */ containerId;
  /** @type {Obj} */ options;

  /**
   * @param {unknown} options
   * @param {'embedded' | 'inline'} flowType
   * @param {Tap} tap
   * @param {string} [problem] a further reason the configuration is invalid
   */
  constructor(options, flowType, tap, problem) {
    if (!isObj(options)) throw new TypeError('options must be an object');
    const id = (this.containerId = 'verity-' + Math.random().toString(36).slice(2));
    this.options = options;
    const message = invalid(options) || problem;
    if (message) queueMicrotask(() => call(options.onError || console.error, { status: 400, code: 'invalid_config', message }));
    else this.#off = setupEvents(id, { ...options, iframe: (this.iframe = setupIframe(document.createElement('iframe'), id, flowType, options)) }, tap);
  }

  /** Tells the flow to close and removes the iframe and the listener. Safe to call twice. */
  destroy() {
    post(this, 'destroy');
    this.#off?.();
    this.iframe?.remove();
    this.#off = this.iframe = undefined;
  }
}
