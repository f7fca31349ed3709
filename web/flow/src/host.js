// host.js — the flow's side of the wire protocol (docs/contract.md §5): posts messages to the host page and accepts
// its actions. Invariants: we post only to the validated origin (`message-target-origin`, else
// `iframe-origin`), never '*'; an action is accepted only from window.parent and from that origin.

import { MSG, parseHostAction } from '../../sdk/src/protocol.js';

export { MSG };

/** @typedef {import('./config.js').Config} Config */

/** @type {Config} */
let cfg;
/** @type {string | undefined} */
let target;

/** @param {Config} config */
export function initHost(config) {
  cfg = config;
  target = config.targetOrigin || config.iframeOrigin;
}

/**
 * Posts `name` with `metadata` (and `error`) to the host page. A no-op when there is no parent or no
 * validated origin (the hosted page, or an invalid configuration without an origin).
 * @param {string} name
 * @param {Record<string, unknown>} [metadata]
 * @param {import('./config.js').FlowError} [error]
 */
export function post(name, metadata, error) {
  if (!target || window.parent === window) return;
  /** @type {Record<string, unknown>} */
  const data = { containerId: cfg.containerId, name };
  // docs/contract.md §5: echo exactly the id the client passed; the official SDK drops messages whose id differs.
  if (cfg.templateId) data.templateId = cfg.templateId;
  if (cfg.templateVersionId) data.templateVersionId = cfg.templateVersionId;
  if (metadata) data.metadata = metadata;
  if (error) data.error = error;
  try {
    window.parent.postMessage(data, target);
  } catch {
    // A malformed origin throws SyntaxError; the server validated it, so this is unreachable in practice.
  }
}

/**
 * Calls `onAction` for each valid host action from the parent window on the expected origin.
 * @param {(action: import('../../sdk/src/protocol.js').HostAction) => void} onAction
 */
export function listenHost(onAction) {
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent || window.parent === window) return;
    if (!cfg.iframeOrigin || event.origin !== cfg.iframeOrigin) return;
    const action = parseHostAction(event.data);
    if (action) onAction(action);
  });
}
