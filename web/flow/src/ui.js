// ui.js — tiny DOM helpers: `h()` builds elements, `announce()` speaks through the aria-live region
// (docs/contract.md §7.3: camera pages announce their state), `focusNewHeadings()` moves focus to each new
// page's heading.

/**
 * @param {string} tag
 * @param {Record<string, any>} [props] attributes; `on*` functions become listeners; `text` sets textContent
 * @param {(Node | string | null | undefined | false)[]} [children]
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, children = []) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = String(value);
    else if (key in el && typeof value !== 'string') /** @type {any} */ (el)[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

/** @param {string} message */
export function announce(message) {
  const live = document.getElementById('live');
  if (live) live.textContent = message;
}

let ids = 0;
/** A unique element id, for label/control pairs. @param {string} base */
export const uid = (base) => `${base}-${++ids}`;

/** Focuses the page heading in `root` (its h1, else its first h2). @param {ParentNode} root */
export function focusHeading(root) {
  const heading = /** @type {HTMLElement | null} */ (root.querySelector('h1') ?? root.querySelector('h2'));
  if (heading) focusOn(heading);
}

/** Focus on a heading: focusable by script only, so Tab never stops on it. @param {HTMLElement} heading */
function focusOn(heading) {
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
}

/**
 * Whenever a new page (or capture item) appears in `root`, moves keyboard focus to its heading
 * (docs/contract.md §7.3), so a screen reader reads where the person is and Tab continues from there.
 * Watching the DOM covers every way a step replaces its content, including pages within a step.
 * @param {HTMLElement} root
 */
export function focusNewHeadings(root) {
  new MutationObserver((records) => {
    const added = records.flatMap((r) => [...r.addedNodes]).filter((n) => n instanceof HTMLElement);
    const find = (/** @type {string} */ tag) =>
      added.map((n) => /** @type {HTMLElement | null} */ (n.matches(tag) ? n : n.querySelector(tag))).find((n) => n?.isConnected);
    const heading = find('h1') ?? find('h2');
    if (heading) focusOn(heading);
  }).observe(root, { childList: true, subtree: true });
}
