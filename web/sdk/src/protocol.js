// protocol.js — the wire protocol between a host page and the flow iframe (docs/contract.md §5), shared by the
// SDK (web/sdk) and the flow app (web/flow). It owns the message names, the host actions, the error codes
// and one validator per payload. Invariants:
// - every value crossing the frame boundary is untrusted: validators never throw, they return `null`
//   for anything malformed (docs/contract.md §6), and a valid payload is returned as received (structured clone
//   already stripped functions and prototypes), so extra keys reach `onEvent` unchanged;
// - names are wire names from docs/contract.md and must never change; additions only (the flow app imports them).

/** Messages the flow posts to its host page (`data.name`). */
export const MSG = /** @type {const} */ ({
  load: 'load',
  ready: 'ready',
  start: 'start',
  exit: 'exit',
  complete: 'complete',
  fail: 'fail',
  error: 'error',
  pageChange: 'page-change',
  inquiryLoad: 'inquiry-load',
  documentCameraSelect: 'document-camera-select',
  documentCameraCapture: 'document-camera-capture',
  documentUpload: 'document-upload',
  documentsSaveSuccessful: 'documents-save-successful',
  documentsSaveFail: 'documents-save-fail',
  selfieCameraSelect: 'selfie-camera-select',
  selfieCameraCapture: 'selfie-camera-capture',
  selfieRecordUpload: 'selfie-record-upload',
  loadCameraFailed: 'load-camera-failed',
  oneTimeLinkSent: 'one-time-link-sent',
  oneTimeLinkStart: 'one-time-link-start',
  oneTimeLinkExit: 'one-time-link-exit',
});

/**
 * The granular interaction events, passed to `onEvent` only when an `eventsAllowlist` names them;
 * every other event is passed by default (the official SDK's default list also leaves out
 * `documents-save-successful` / `-fail`, which docs/contract.md §4 lists: we pass them).
 */
export const GRANULAR_EVENTS = ['step-transitioning', 'click', 'form-update'];

/** Actions the host page posts to the flow (`data.action`). */
export const ACTION = /** @type {const} */ ({ open: 'open', exit: 'exit', destroy: 'destroy' });

/** `onError` codes and their `status` (docs/contract.md §3). `unknown` may carry any status. */
export const ERROR_STATUS = /** @type {const} */ ({
  application_error: 0,
  invalid_config: 400,
  unauthenticated: 409,
  inactive_template: 422,
});

/** Paths on the server's origin. */
export const WIDGET_PATH = '/widget';
export const PRELOAD_PATH = '/preload';

/** Prefix of dynamic-flow template ids (sent as `inquiry-template-id`; others as `template-id`). */
export const DYNAMIC_TEMPLATE_PREFIX = 'itmpl_';

/** The fragment key carrying the session token (docs/contract.md §6: never in the query). */
export const SESSION_TOKEN_FRAGMENT = 'session-token';

/**
 * @typedef {Record<string, unknown>} Obj
 * @typedef {{ containerId: string, name: string, templateId?: string, templateVersionId?: string,
 *   metadata?: Obj, error?: FlowError }} FlowMessage
 * @typedef {{ status: number, code: string, message?: string }} FlowError
 * @typedef {{ action: 'open' | 'exit' | 'destroy', metadata?: { force?: boolean } }} HostAction
 */

/** @param {unknown} v @returns {v is Obj} */
export const isObj = (v) => typeof v == 'object' && v !== null && !Array.isArray(v);
/** @param {unknown} v @returns {v is number} */
const isNum = (v) => typeof v == 'number' && isFinite(v);
/** @param {unknown} v @returns {v is string} */
export const isStr = (v) => typeof v == 'string';
/** A CSS length: `'400px'` (what the official SDK types say) or a number of pixels. @param {unknown} v */
export const isLen = (v) => isNum(v) || isStr(v);

/**
 * A map from key to its check, built from checks each with its space-separated keys.
 * @param {[(v: unknown) => boolean, string][]} list
 */
export const kinds = (list) => {
  /** @type {Map<string, (v: unknown) => boolean>} */
  const map = new Map();
  for (const [check, keys] of list) for (const k of keys.split(' ')) map.set(k, check);
  return map;
};

/**
 * Whether `v` is an object whose keys have the kinds `KINDS` gives them. Throws only on a cyclic or absurdly
 * deep message (the stack runs out): `parseFlowMessage` catches that.
 * @param {unknown} v
 * @returns {boolean}
 */
const metadataOk = (v) => isObj(v) && Object.entries(v).every(([k, x]) => x === undefined || (KINDS.get(k) || unchecked)(x));
/** A key not in `KINDS`. */
const unchecked = () => true;

/**
 * What each metadata key must be wherever it appears in a message's metadata (docs/contract.md §4): a
 * check and the keys it applies to. Absent is always fine; a key not named here is not checked, so extra
 * keys reach `onEvent` unchanged. (`ready` has `preferredDimensions` and `styles`, `page-change` its page
 * and height, the document and selfie events `stepData: { idClass, files: [{ side, pose, captureMethod }] }`;
 * `fields` and `scopes` are the flow's data, not looked into. Marked pure so that a bundle not validating
 * flow messages, such as the flow app's, leaves it out.)
 */
const KINDS = /* @__PURE__ */ kinds([
  [isStr, 'inquiryId sessionToken status name nameDisplay path pathname idClass side pose captureMethod'],
  [isNum, 'pageHeight'],
  [isLen, 'minimumWidth maximumWidth minimumHeight maximumHeight borderRadius'],
  [isObj, 'fields scopes'],
  [metadataOk, 'preferredDimensions styles metadata stepData'],
  [(v) => Array.isArray(v) && v.every(metadataOk), 'files'],
]);

/**
 * Validates a message from the flow. Returns it typed, or `null` if any field is malformed; never throws.
 * Origin, source and `containerId` matching are the receiver's job (they need its context); it checks
 * origin and source before calling this, so nothing another sender posts is ever parsed.
 * `complete` / `fail` need their `inquiryId` and `status` (without a metadata object they are dropped);
 * `error` needs its `error`.
 * @param {unknown} data
 * @returns {FlowMessage | null}
 */
export const parseFlowMessage = (data) => {
  try {
    if (
      isObj(data) &&
      isStr(data.containerId) &&
      isStr(data.name) &&
      // A property every object inherits (`valueOf`, `__proto__`, `constructor`) is never a wire name: refused outright.
      !(data.name in {}) &&
      (data.metadata === undefined || metadataOk(data.metadata))
    ) {
      const { name, metadata: m = {}, error: e } = /** @type {{ name: string, metadata?: Obj, error?: Obj }} */ (data);
      if (
        (name != 'complete' && name != 'fail') || (isStr(m.inquiryId) && isStr(m.status))
          ? name != 'error' || (isObj(e) && isNum(e.status) && isStr(e.code) && (e.message === undefined || isStr(e.message)))
          : false
      )
        return /** @type {FlowMessage} */ (data);
    }
  } catch {}
  return null;
};

/**
 * Validates an action from the host page (for the flow app). Returns it typed, or `null`.
 * @param {unknown} data
 * @returns {HostAction | null}
 */
export function parseHostAction(data) {
  if (!isObj(data)) return null;
  const { action, metadata: m } = data;
  if (action !== 'open' && action !== 'exit' && action !== 'destroy') return null;
  if (m !== undefined && !(isObj(m) && (m.force === undefined || typeof m.force === 'boolean')))
    return null;
  return /** @type {HostAction} */ (data);
}
