// ui.js — tiny DOM helpers: `h()` builds elements, `announce()` speaks through the aria-live region
// (docs/contract.md §7.3: camera pages announce their state).

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
