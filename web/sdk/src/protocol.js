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
/**
 * Absent, or an object that passes `ok`.
 * @param {unknown} v
 * @param {(o: Obj) => unknown} ok
 */
const opt = (v, ok) => v === undefined || (isObj(v) && !!ok(v));
/**
 * Whether each of the space-separated `keys` of `o` is absent or a string.
 * @param {Obj} o
 * @param {string} keys
 */
const strs = (o, keys) => keys.split(' ').every((k) => optStr(o[k]));

/** The four `preferredDimensions` of `ready` (also the order `Client` applies them in). */
export const DIMENSIONS = ['minimumWidth', 'maximumWidth', 'minimumHeight', 'maximumHeight'];

/**
 * Whether the metadata `m` of a message `name` has the types docs/contract.md §4 gives it. A name with no
 * metadata of its own (or one this version does not know) passes: extra keys reach `onEvent` unchanged.
 * The checks are a chain of comparisons, not a lookup table.
 * @param {string} name
 * @param {Obj} m
 */
const metadataOk = (name, m) =>
  name == 'ready'
    ? opt(m.preferredDimensions, (d) => DIMENSIONS.every((k) => optLen(d[k]))) && opt(m.styles, (s) => optLen(s.borderRadius))
    : name == 'start' || name == 'inquiry-load'
      ? strs(m, 'inquiryId')
      : name == 'exit'
        ? strs(m, 'inquiryId sessionToken')
        : name == 'complete' || name == 'fail'
          ? typeof m.inquiryId == 'string' && typeof m.status == 'string' && opt(m.fields, isObj) && opt(m.scopes, isObj)
          : name == 'page-change'
            ? strs(m, 'name nameDisplay path pathname') && optNum(m.pageHeight) && opt(m.metadata, (x) => optNum(x.pageHeight))
            : // document-camera-select/-capture, document-upload, documents-save-successful/-fail, selfie-camera-capture:
              // `stepData` is `{ idClass, files: [{ side, pose, captureMethod }] }`, every string optional.
              !/^document|^selfie-camera-capture$/.test(name) ||
              opt(
                m.stepData,
                (s) =>
                  strs(s, 'idClass') &&
                  (s.files === undefined ||
                    (Array.isArray(s.files) && s.files.every((f) => isObj(f) && strs(f, 'side pose captureMethod')))),
              );

/** @param {unknown} e @returns {e is FlowError} */
export const isFlowError = (e) => isObj(e) && isNum(e.status) && typeof e.code === 'string' && optStr(e.message);

/**
 * Validates a message from the flow. Returns it typed, or `null` if any field is malformed.
 * Origin, source and `containerId` matching are the receiver's job (they need its context); it checks
 * origin and source before calling this, so nothing another sender posts is ever parsed.
 * A missing metadata object checks as `{}`: `complete` / `fail` without one are dropped (no inquiryId).
 * @param {unknown} data
 * @returns {FlowMessage | null}
 */
export const parseFlowMessage = (data) =>
  isObj(data) &&
  typeof data.containerId == 'string' &&
  typeof data.name == 'string' &&
  // A property every object inherits (`valueOf`, `__proto__`, `constructor`) is never a wire name: refused outright.
  !(data.name in {}) &&
  opt(data.metadata, isObj) &&
  metadataOk(data.name, /** @type {Obj} */ (data.metadata || {})) &&
  (data.name != 'error' || isFlowError(data.error))
    ? /** @type {FlowMessage} */ (data)
    : null;

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
