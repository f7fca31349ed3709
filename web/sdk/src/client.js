// client.js — the embedded (modal) flow: an overlay with a spinner until `load`, the flow's iframe
// centred on large viewports (sized by the flow's `ready` preferences) and full screen on small ones.
// While open: page scroll is locked, the rest of the page is inert, focus is in the flow and Escape asks
// the flow to cancel; on close, all of that is undone and focus returns where it was. `destroy()` removes
// every element, style and listener this client added. Message security lives in inline.js.

import { Inline, NEED_OPTIONS, baseOf, invalid, newId, post, px, reportInvalid, setupEvents, setupIframe } from './inline.js';
import { PRELOAD_PATH, isObj } from './protocol.js';

/** @typedef {import('./protocol.js').Obj} Obj */

// Custom properties carry the flow's preferences so they apply only inside the large-viewport query.
const CSS =
  '.verity-overlay{position:fixed;inset:0;z-index:2147483000;background:#000b}' +
  '.verity-loading .verity-spinner{position:absolute;inset:0;margin:auto;width:40px;height:40px;border:4px solid #fff4;border-top-color:#fff;border-radius:50%;animation:verity-spin 1s linear infinite}' +
  '@keyframes verity-spin{to{transform:rotate(1turn)}}' +
  '.verity-overlay .verity-iframe{position:absolute;inset:0;width:100%;height:100%;border:0;background:#fff}' +
  '.verity-loading .verity-iframe{opacity:0}' +
  '@media (min-width:600.02px) and (min-height:600.02px){.verity-overlay .verity-iframe{margin:auto;' +
  'max-width:var(--verity-maxw,400px);max-height:var(--verity-maxh,650px);min-width:var(--verity-minw,0);' +
  'min-height:var(--verity-minh,0);border-radius:var(--verity-radius,8px)}}';

export class Client {
  #loading = true;
  #open = false;
  /** @type {HTMLStyleElement | undefined} */ #style;
  /** @type {HTMLDivElement | undefined} */ #el;
  /** @type {HTMLIFrameElement | undefined} */ #iframe;
  /** @type {(() => void) | undefined} */ #off;
  /** @type {((e: KeyboardEvent) => void) | undefined} */ #onKey;
  /** @type {Element | null} */ #focus = null;
  /** @type {Element[]} */ #inert = [];
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
    if (!isObj(options)) throw new TypeError(NEED_OPTIONS);
    /** @type {Obj} */
    this.options = options;
    this.containerId = newId();
    const err = invalid(options);
    if (err) {
      this.#loading = false;
      reportInvalid(options, err);
      return;
    }
    const d = document;
    const style = (this.#style = d.createElement('style'));
    style.textContent = CSS;
    d.head.append(style);
    const c = (this.#el = d.createElement('div'));
    c.className = 'verity-overlay verity-loading';
    c.id = this.containerId;
    c.innerHTML = '<i class=verity-spinner role=progressbar aria-label=Loading></i>';
    const f = (this.#iframe = setupIframe(d.createElement('iframe'), this.containerId, 'embedded', options));
    const s = f.style;
    s.cssText = '';
    s.setProperty('--verity-maxw', px(options.frameWidth) || null);
    s.setProperty('--verity-maxh', px(options.frameHeight) || null);
    c.append(f);
    /** @type {Element} */ (options.parent || d.body).append(c);
    this.#off = setupEvents(this.containerId, { ...options, iframe: f }, (name, m = {}) => {
      if (name == 'load' || name == 'error') this.#loading = false;
      if (name == 'ready') {
        const dim = isObj(m.preferredDimensions) ? m.preferredDimensions : {};
        const r = isObj(m.styles) && m.styles.borderRadius;
        for (const [k, v] of [
          ['minw', dim.minimumWidth],
          ['maxw', dim.maximumWidth],
          ['minh', dim.minimumHeight],
          ['maxh', dim.maximumHeight],
          ['radius', r],
        ])
          if (px(v)) s.setProperty('--verity-' + k, px(v));
      }
      if (name == 'exit' || name == 'complete' || name == 'fail') this.#close();
      this.render();
    });
    /** @param {KeyboardEvent} e */
    this.#onKey = (e) => {
      if (e.key == 'Escape' && this.#open) this.cancel(false);
    };
    d.addEventListener('keydown', this.#onKey);
    this.render();
  }

  get isOpen() {
    return this.#open;
  }

  get isLoading() {
    return this.#loading;
  }

  /** Shows or hides the overlay and spinner for the current state. */
  render() {
    const c = this.#el;
    if (!c) return;
    c.hidden = !this.#open;
    c.classList.toggle('verity-loading', this.#loading);
  }

  /** Shows the flow: locks page scroll, makes the rest of the page inert, moves focus into the flow. */
  open() {
    const c = this.#el;
    if (!c || this.#open) return;
    post(this.#iframe, this.options, 'open');
    this.#open = true;
    const d = document;
    this.#focus = d.activeElement;
    // Scroll lock through our own stylesheet, so closing leaves no trace on the integrator's <html>.
    /** @type {HTMLStyleElement} */ (this.#style).textContent = CSS + 'html{overflow:hidden!important}';
    this.#inert = [];
    for (const el of /** @type {Element} */ (c.parentElement).children)
      if (el != c && !el.hasAttribute('inert')) {
        el.setAttribute('inert', '');
        this.#inert.push(el);
      }
    this.render();
    /** @type {HTMLIFrameElement} */ (this.#iframe).focus();
  }

  /**
   * Asks the flow to cancel; it confirms (unless `force`) and answers `exit`, which closes the modal and
   * calls `onCancel`. A flow that has not loaded yet cannot answer, so a forced cancel then closes at once.
   * @param {boolean} [force]
   */
  cancel(force) {
    post(this.#iframe, this.options, 'exit', { force: !!force });
    if (force && this.#loading) this.#close();
    this.render();
  }

  /** Undoes everything `open()` did. */
  #close() {
    if (!this.#open) return;
    this.#open = false;
    /** @type {HTMLStyleElement} */ (this.#style).textContent = CSS;
    for (const el of this.#inert) el.removeAttribute('inert');
    const f = /** @type {HTMLElement | null} */ (this.#focus);
    if (f && f.isConnected && f.focus) f.focus();
  }

  /** Tells the flow to close, then removes every element, style and listener this client added. */
  destroy() {
    post(this.#iframe, this.options, 'destroy');
    this.#close();
    if (this.#off) this.#off();
    if (this.#onKey) document.removeEventListener('keydown', this.#onKey);
    if (this.#el) this.#el.remove();
    if (this.#style) this.#style.remove();
    this.#off = this.#el = this.#style = this.#iframe = this.#onKey = undefined;
    this.#loading = false;
  }
}

export { Inline };
