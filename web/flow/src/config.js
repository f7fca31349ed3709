// config.js — the widget's configuration, rendered by the server into the page (`#verity-config`) after it
// parsed and validated the query (docs/contract.md §5), plus the session token from the URL fragment (docs/contract.md §6: our SDK
// keeps it out of the query, so only this script can see it). Types here mirror
// crates/verity-http/src/flow/config.rs; change both together.

/**
 * @typedef {{ name: string, kind: 'start'|'fields'|'government_id'|'selfie'|'completion', nameDisplay: string,
 *   fields: string[], idClasses: string[], poses: string[], handoff: boolean }} Step
 * @typedef {{ key: string, type: string, label: string | null, required: boolean, choices: string[],
 *   maxLength: number | null }} FieldSpec
 * @typedef {{ steps: Step[], fields: FieldSpec[],
 *   preferredDimensions: { minimumWidth: string, maximumWidth: string, minimumHeight: string, maximumHeight: string },
 *   borderRadius: string }} Template
 * @typedef {{ status: number, code: string, message?: string }} FlowError
 * @typedef {{ containerId: string, templateId?: string, templateVersionId?: string, kind: 'dynamic'|'legacy',
 *   flowType: string, targetOrigin?: string, iframeOrigin?: string, language?: string, inquiryId?: string,
 *   sessionToken?: string, referenceId?: string, accountId?: string, fields: Record<string, unknown>,
 *   template?: Template, error?: FlowError, hosted: boolean, redirectUri?: string, handoff?: boolean }} Config
 */

/** @returns {Config} */
export function readConfig() {
  const el = document.getElementById('verity-config');
  /** @type {Config} */
  const config = JSON.parse(el?.textContent || '{}');
  config.fields ??= {};
  const hash = new URLSearchParams(location.hash.slice(1)).get('session-token');
  if (hash) {
    config.sessionToken = hash;
    // Drop the secret from the address bar so it is not copied or kept in history.
    history.replaceState(null, '', location.pathname + location.search);
  }
  return config;
}
