// client.js — the embedded (modal) flow: an overlay with a spinner until `load`, the flow's iframe
// centred on large viewports (sized by the options, then by the flow's `ready` preferences) and full
// screen on small ones. While open: page scroll is locked, the rest of the page is inert, focus is in the
// flow and Escape asks the flow to cancel; on close, all of that is undone and focus returns where it was.
// `destroy()` removes every element, style and listener this client added. Message security is frame.js's.

import { Flow, post, px } from './frame.js';
import { PRELOAD_PATH } from './protocol.js';
import { baseOf } from './url.js';

/** @typedef {import('./protocol.js').Obj} Obj */

// The sizes (the options', then the flow's `ready` preferences) are the iframe's own inline style, over
// the defaults here; on small viewports the flow is full screen whatever they say (an author !important
// beats an inline style). One rule places the spinner and the iframe; the spinner's own rule follows it. The
// iframe stays transparent while the spinner precedes it (until `load`).
const CSS =
  '.verity-overlay{position:fixed;inset:0;z-index:2147483000;background:#000b}' +
  '.verity-overlay>*{position:absolute;inset:0;margin:auto;width:100%;height:100%;border:0;background:#fff}' +
  '.verity-spinner{width:40px;height:40px;border:4px solid #fff4;border-top-color:#fff;border-radius:50%;background:0;animation:verity-spin 1s linear infinite}' +
  '.verity-spinner~*{opacity:0}@keyframes verity-spin{to{transform:rotate(1turn)}}' +
  '.verity-overlay iframe{max-width:400px;max-height:650px;border-radius:8px}' +
  '@media (max-width:600px),(max-height:600px){.verity-overlay iframe{max-width:none!important;max-height:none!important;min-width:0!important;min-height:0!important;border-radius:0!important}}';

/**
 * The overlay element is the state: hidden while closed, its spinner there until `load` (or `error`).
 */
export class Client extends Flow {
  /** @type {HTMLDivElement | undefined} the overlay: our stylesheet, the spinner, the iframe */ #el;
  /** @type {Element | undefined} */ #spinner;
  /** @type {Element | null | undefined} */ #focus;
  /** @type {HTMLElement[]} set by open() before close reads it */ #inert = [];
  // Passed as the keydown listener's options, whose `signal` it has: abort() removes the listener.
  #keys = new AbortController();

  /**
   * Loads an iframe that fetches the flow's static assets into the browser cache, then removes it.
   * Resolves when done (at once if `host` is not usable); never rejects.
   * @param {string} host
   * @returns {Promise<void>}
   */
  static preload(host) {
    return new Promise((resolve) => {
      const base = baseOf(host);
      if (!base) return resolve();
      const f = document.createElement('iframe');
      f.hidden = true;
      f.src = base + PRELOAD_PATH;
      f.onload = () => resolve(f.remove());
      document.body.append(f);
    });
  }

  /** @param {Obj} options */
  constructor(options) {
    super(options, 'embedded', (name, m) => {
      if (name == 'load' || name == 'error') this.#spinner?.remove();
      if (name == 'ready') size({ .../** @type {Obj} */ (m.preferredDimensions), borderRadius: /** @type {Obj | undefined} */ (m.styles)?.borderRadius });
      if (name == 'exit' || name == 'complete' || name == 'fail') this.#show(false);
    });
    const f = this.iframe;
    if (!f) return;
    const d = document;
    const c = (this.#el = d.createElement('div'));
    c.className = 'verity-overlay';
    c.id = this.containerId;
    c.hidden = true;
    // The stylesheet lives inside the overlay, so removing the overlay removes every trace of this client.
    c.innerHTML = '<style>' + CSS + '</style><i class=verity-spinner role=progressbar aria-label=Loading></i>';
    this.#spinner = c.children[1];
    const s = f.style;
    /**
     * Sets the inline style of each size `ready` gave (`maximumWidth` → `maxWidth`); only these five, never
     * another style an extra key might name.
     * @param {Obj} sizes
     */
    const size = (sizes) => {
      for (const k of 'minimumWidth maximumWidth minimumHeight maximumHeight borderRadius'.split(' '))
        if (px(sizes[k])) /** @type {Obj} */ (/** @type {unknown} */ (s))[k.replace('imum', '')] = px(sizes[k]);
    };
    c.append(f);
    /** @type {Element} */ (options.parent || d.body).append(c);
    d.addEventListener('keydown', (e) => e.key == 'Escape' && this.isOpen && this.cancel(false), this.#keys);
  }

  get isOpen() {
    return this.#el?.hidden == false;
  }

  get isLoading() {
    return !!this.#spinner?.isConnected;
  }

  /** Kept for the official API: the overlay always shows the current state. */
  render() {}

  /** Shows the flow: locks page scroll, makes the rest of the page inert, moves focus into the flow. */
  open() {
    if (!this.#el || this.isOpen) return;
    post(this, 'open');
    this.#focus = document.activeElement;
    this.#show(true);
    /** @type {HTMLIFrameElement} */ (this.iframe).focus();
  }

  /**
   * Asks the flow to cancel; it confirms (unless `force`) and answers `exit`, which closes the modal and
   * calls `onCancel`. A flow that has not loaded yet cannot answer, so a forced cancel then closes at once.
   * @param {boolean} [force]
   */
  cancel(force) {
    post(this, 'exit', { force: !!force });
    if (force && this.isLoading) this.#show(false);
  }

  /**
   * Opens (scroll lock through our own stylesheet, so closing leaves no trace on the integrator's <html>;
   * the rest of the page inert) or undoes all of it and puts focus back where it was.
   * @param {boolean} open
   */
  #show(open) {
    const c = this.#el;
    if (!c || c.hidden != open) return;
    c.hidden = !open;
    /** @type {Element} */ (c.firstChild).textContent = CSS + (open ? 'html{overflow:hidden!important}' : '');
    if (open) this.#inert = /** @type {HTMLElement[]} */ ([.../** @type {Element} */ (c.parentElement).children]).filter((el) => el != c && !el.inert);
    for (const el of this.#inert) el.inert = open;
    const f = /** @type {HTMLElement | null} */ (this.#focus);
    if (!open && f?.isConnected) f.focus?.();
  }

  /**
   * Tells the flow to close, then removes every element and listener this client added. Afterwards every
   * method is a no-op (the overlay is gone; the detached iframe has no window to post to).
   */
  destroy() {
    super.destroy();
    this.#show(false);
    this.#keys.abort();
    this.#el?.remove();
    this.#el = this.#spinner = undefined;
  }
}
