// api.js — the flow JSON API client (`/flow/v1`, crates/verity-http/src/flow/api.rs). Every call after the
// inquiry exists carries the session token as a bearer credential (never an API key).

/**
 * @typedef {{ type: string, value: unknown }} FieldValue
 * @typedef {{ id: string, status: string, currentStep: string | null, completedSteps: string[],
 *   fields: Record<string, FieldValue>, referenceId: string | null }} Inquiry
 * @typedef {{ kind: string, side: string, idClass: string | null, captureMethod: string }} DocumentInfo
 * @typedef {{ inquiry: Inquiry, sessionToken?: string, documents: DocumentInfo[] }} FlowState
 * @typedef {{ status: number, code: string, message?: string, fields?: { key: string, message: string }[],
 *   check?: string, attemptsLeft?: number }} ApiErrorBody
 */

export class ApiError extends Error {
  /** @param {ApiErrorBody} body @param {boolean} network */
  constructor(body, network) {
    super(body.message || body.code);
    this.body = body;
    /** A dropped or blocked request: not reported through `onError` (docs/contract.md §2). */
    this.network = network;
  }
}

/** @type {string | undefined} */
let token;

/** @param {string | undefined} value */
export function setToken(value) {
  token = value;
}
export const getToken = () => token;

/**
 * @param {string} method
 * @param {string} path under /flow/v1
 * @param {unknown} [body] JSON, or FormData for uploads
 * @returns {Promise<any>}
 */
export async function call(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  /** @type {BodyInit | undefined} */
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/flow/v1${path}`, { method, headers, body: payload, credentials: 'omit' });
  } catch {
    throw new ApiError({ status: 0, code: 'network' }, true);
  }
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const err = json?.error;
    throw new ApiError(
      err && typeof err.code === 'string' ? err : { status: 0, code: 'application_error' },
      false,
    );
  }
  return json;
}

/**
 * Posts a multipart `form` under /flow/v1 with XMLHttpRequest, whose upload progress `fetch` cannot
 * report: `onProgress` gets the share sent (0–1). Answers and errors as {@link call}.
 * @param {string} path @param {FormData} form @param {(share: number) => void} onProgress
 * @returns {Promise<any>}
 */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/flow/v1${path}`);
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onerror = () => reject(new ApiError({ status: 0, code: 'network' }, true));
    xhr.onload = () => {
      const json = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300) return resolve(json);
      const err = json?.error;
      reject(new ApiError(err && typeof err.code === 'string' ? err : { status: 0, code: 'application_error' }, false));
    };
    xhr.send(form);
  });
}
