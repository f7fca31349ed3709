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
export const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** @param {unknown} v @returns {v is string | undefined} */
const optStr = (v) => v === undefined || typeof v === 'string';
/** @param {unknown} v @returns {v is number} */
const isNum = (v) => typeof v === 'number' && isFinite(v);
/** @param {unknown} v */
const optNum = (v) => v === undefined || isNum(v);
/** A CSS length: `'400px'` (what the official SDK types say) or a number of pixels. @param {unknown} v */
const optLen = (v) => optNum(v) || typeof v === 'string';
/** @param {unknown} v */
const optObj = (v) => v === undefined || isObj(v);

/** `preferredDimensions` and `styles` of `ready`, all optional. @param {Obj} m */
const readyOk = (m) => {
  const d = m.preferredDimensions;
  const s = m.styles;
  return (
    (d === undefined ||
      (isObj(d) &&
        optLen(d.minimumWidth) &&
        optLen(d.maximumWidth) &&
        optLen(d.minimumHeight) &&
        optLen(d.maximumHeight))) &&
    (s === undefined || (isObj(s) && optLen(s.borderRadius)))
  );
};

/** `stepData.files` entries are objects of optional strings. @param {unknown} files */
const filesOk = (files) =>
  files === undefined ||
  (Array.isArray(files) &&
    files.every((f) => isObj(f) && optStr(f.side) && optStr(f.pose) && optStr(f.captureMethod)));

/** `stepData` of the document and selfie events. @param {Obj} m */
const stepOk = (m) => {
  const s = m.stepData;
  return s === undefined || (isObj(s) && optStr(s.idClass) && filesOk(s.files));
};

/** `complete` / `fail`: `{ inquiryId, status, fields | scopes }`. @param {Obj} m */
const doneOk = (m) =>
  typeof m.inquiryId === 'string' && typeof m.status === 'string' && optObj(m.fields) && optObj(m.scopes);

/** @type {Record<string, (m: Obj) => boolean>} metadata checks by message name */
const METADATA = {
  ready: readyOk,
  start: (m) => optStr(m.inquiryId),
  'inquiry-load': (m) => optStr(m.inquiryId),
  exit: (m) => optStr(m.inquiryId) && optStr(m.sessionToken),
  complete: doneOk,
  fail: doneOk,
  'page-change': (m) =>
    ['name', 'nameDisplay', 'path', 'pathname'].every((k) => optStr(m[k])) &&
    optNum(m.pageHeight) &&
    (m.metadata === undefined || (isObj(m.metadata) && optNum(m.metadata.pageHeight))),
  'document-camera-select': stepOk,
  'document-camera-capture': stepOk,
  'document-upload': stepOk,
  'documents-save-successful': stepOk,
  'documents-save-fail': stepOk,
  'selfie-camera-capture': stepOk,
};

/**
 * Whether `name` is a property Object.prototype gives every object (`valueOf`, `__proto__`, `constructor`):
 * never a wire name, and looked up in METADATA it would run as a check (or throw). Refused outright.
 * @param {string} name
 */
const inherited = (name) => name in METADATA && !Object.hasOwn(METADATA, name);

/** @param {unknown} e @returns {e is FlowError} */
export const isFlowError = (e) =>
  isObj(e) && isNum(e.status) && typeof e.code === 'string' && optStr(e.message);

/**
 * Validates a message from the flow. Returns it typed, or `null` if any field is malformed.
 * Origin, source and `containerId` matching are the receiver's job (they need its context); it checks
 * origin and source before calling this, so nothing another sender posts is ever parsed.
 * @param {unknown} data
 * @returns {FlowMessage | null}
 */
export function parseFlowMessage(data) {
  if (!isObj(data)) return null;
  const { name, metadata: m } = data;
  // A missing metadata object checks as `{}`: `complete` / `fail` without one are dropped (no inquiryId).
  if (
    typeof data.containerId !== 'string' ||
    typeof name !== 'string' ||
    !optObj(m) ||
    inherited(name) ||
    !(METADATA[name] || Boolean)(m || {}) ||
    (name === 'error' && !isFlowError(data.error))
  )
    return null;
  return /** @type {FlowMessage} */ (data);
}

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
