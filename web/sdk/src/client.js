// client.js — the embedded (modal) flow: an overlay with a spinner until `load`, the flow's iframe
// centred on large viewports (sized by the flow's `ready` preferences) and full screen on small ones.
// While open: page scroll is locked, the rest of the page is inert, focus is in the flow and Escape asks
// the flow to cancel; on close, all of that is undone and focus returns where it was. `destroy()` removes
// every element, style and listener this client added. Message security lives in inline.js.

import { Inline, baseOf, post, px, start } from './inline.js';
import { DIMENSIONS, PRELOAD_PATH, isObj } from './protocol.js';

/** @typedef {import('./protocol.js').Obj} Obj */

// Custom properties carry the flow's preferences (named after `ready`'s keys) so they apply only inside the
// large-viewport query. One rule places the spinner and the iframe; the spinner's own rule follows it.
const CSS =
  '.verity-overlay{position:fixed;inset:0;z-index:2147483000;background:#000b}' +
  '.verity-overlay>*{position:absolute;inset:0;margin:auto;width:100%;height:100%;border:0;background:#fff}' +
  '.verity-spinner{width:40px;height:40px;border:4px solid #fff4;border-top-color:#fff;border-radius:50%;background:0;animation:verity-spin 1s linear infinite}' +
  '@keyframes verity-spin{to{transform:rotate(1turn)}}' +
  '@media (min-width:600.02px) and (min-height:600.02px){.verity-overlay iframe{' +
  'max-width:var(--verity-maximumWidth,400px);max-height:var(--verity-maximumHeight,650px);min-width:var(--verity-minimumWidth,0);' +
  'min-height:var(--verity-minimumHeight,0);border-radius:var(--verity-borderRadius,8px)}}';

export class Client {
  #loading = true;
  #open = false;
  /** @type {HTMLDivElement | undefined} the overlay: our stylesheet, the spinner, the iframe */ #el;
  /** @type {HTMLIFrameElement | undefined} */ #iframe;
  /** @type {(() => void) | undefined} */ #off;
  /** @type {Element | null} */ #focus = null;
  /** @type {HTMLElement[]} */ #inert = [];
  /** @type {string | undefined} */ containerId;
  /** @type {Obj | undefined} */ options;

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
    const flow = start(this, options, 'embedded', (name, m = {}) => {
      if (name == 'load' || name == 'error') this.#loading = false;
      if (name == 'ready') {
        /** @type {Obj} */
        const pref = { .../** @type {Obj} */ (m.preferredDimensions), borderRadius: isObj(m.styles) && m.styles.borderRadius };
        for (const k of [...DIMENSIONS, 'borderRadius']) if (px(pref[k])) s.setProperty('--verity-' + k, px(pref[k]));
      }
      if (name == 'exit' || name == 'complete' || name == 'fail') this.#close();
      this.render();
    });
    if (!flow) {
      this.#loading = false;
      return;
    }
    const d = document;
    const f = (this.#iframe = flow[0]);
    const c = (this.#el = d.createElement('div'));
    c.className = 'verity-overlay';
    c.id = /** @type {string} */ (this.containerId);
    // The stylesheet lives inside the overlay, so removing the overlay removes every trace of this client.
    c.innerHTML = '<style>' + CSS + '</style><i class=verity-spinner role=progressbar aria-label=Loading></i>';
    const s = f.style;
    s.cssText = '';
    s.setProperty('--verity-maximumWidth', px(options.frameWidth) || null);
    s.setProperty('--verity-maximumHeight', px(options.frameHeight) || null);
    c.append(f);
    /** @type {Element} */ (options.parent || d.body).append(c);
    /** @param {KeyboardEvent} e */
    const onKey = (e) => {
      if (e.key == 'Escape' && this.#open) this.cancel(false);
    };
    d.addEventListener('keydown', onKey);
    this.#off = () => {
      flow[1]();
      d.removeEventListener('keydown', onKey);
    };
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
    /** @type {HTMLElement} */ (c.children[1]).hidden = !this.#loading;
    /** @type {HTMLElement} */ (this.#iframe).style.opacity = this.#loading ? '0' : '';
  }

  /** Shows the flow: locks page scroll, makes the rest of the page inert, moves focus into the flow. */
  open() {
    const c = this.#el;
    if (!c || this.#open) return;
    post(this.#iframe, this.options, 'open');
    this.#open = true;
    this.#focus = document.activeElement;
    // Scroll lock through our own stylesheet, so closing leaves no trace on the integrator's <html>.
    /** @type {Element} */ (c.firstChild).textContent = CSS + 'html{overflow:hidden!important}';
    this.#inert = [];
    for (const el of /** @type {Element} */ (c.parentElement).children)
      if (el != c && !(/** @type {HTMLElement} */ (el).inert)) {
        /** @type {HTMLElement} */ (el).inert = true;
        this.#inert.push(/** @type {HTMLElement} */ (el));
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
    /** @type {Element} */ (/** @type {HTMLDivElement} */ (this.#el).firstChild).textContent = CSS;
    for (const el of this.#inert) el.inert = false;
    const f = /** @type {HTMLElement | null} */ (this.#focus);
    if (f && f.isConnected && f.focus) f.focus();
  }

  /**
   * Tells the flow to close, then removes every element and listener this client added. Afterwards every
   * method is a no-op (the overlay is gone; the detached iframe has no window to post to).
   */
  destroy() {
    post(this.#iframe, this.options, 'destroy');
    this.#close();
    if (this.#off) this.#off();
    if (this.#el) this.#el.remove();
    this.#off = this.#el = undefined;
    this.#loading = false;
  }
}

export { Inline };
