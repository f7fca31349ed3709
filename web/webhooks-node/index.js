// index.js — @verity/webhooks: verify Verity webhook deliveries in Node, in both formats every
// delivery carries, with the same rules as the Rust crate `verity-webhooks` (crates/verity-webhooks):
// - `Persona-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">`, one space-separated group per
//   valid secret during a rotation. HMAC key: the secret string exactly as shown (`whsec_...`).
// - Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
//   "{id}.{timestamp}.{body}">`. HMAC key: the base64-decoded part after `whsec_` (as the spec says).
// Invariants: both verifiers authenticate first (constant-time, `timingSafeEqual`) and only then check
// the timestamp against `now` ± tolerance, so a timestamp error always concerns a genuine delivery.
// Callers must pass the raw request body, never re-serialised JSON. No dependencies.

import { createHmac, timingSafeEqual } from "node:crypto";

/** Name of the Persona-format signature header. */
export const PERSONA_SIGNATURE = "persona-signature";
/** Standard Webhooks header names (lowercase, as Node delivers them). */
export const WEBHOOK_ID = "webhook-id";
export const WEBHOOK_TIMESTAMP = "webhook-timestamp";
export const WEBHOOK_SIGNATURE = "webhook-signature";

/** Standard Webhooks' default: five minutes either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const SECRET_PREFIX = "whsec_";
const INTEGER = /^[+-]?\d+$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * @typedef {"missing_header" | "malformed" | "timestamp_too_old" | "timestamp_too_new" | "no_matching_signature"} VerificationErrorCode
 */

/** Why a delivery did not verify. Reject the request (400/401) whatever the code. */
export class WebhookVerificationError extends Error {
  /**
   * @param {VerificationErrorCode} code
   * @param {string} message
   * @param {string} [header] the header concerned, for `missing_header` and `malformed`
   */
  constructor(code, message, header) {
    super(message);
    this.name = "WebhookVerificationError";
    /** @type {VerificationErrorCode} */
    this.code = code;
    /** @type {string | undefined} */
    this.header = header;
  }
}

/**
 * @typedef {object} VerifyOptions
 * @property {number} [toleranceSeconds] allowed clock skew either way (default 300)
 * @property {number} [now] the current time in unix seconds (default: the system clock)
 */

/**
 * @typedef {string | Uint8Array} RawBody
 * @typedef {Headers | Record<string, string | string[] | undefined>} HeaderSource
 */

/**
 * Verifies a `Persona-Signature` header against the raw body. Throws
 * {@link WebhookVerificationError} when it does not verify; returns nothing when it does.
 *
 * @param {string} secret the endpoint secret as shown, `whsec_...`
 * @param {string | null | undefined} header the `Persona-Signature` value
 * @param {RawBody} rawBody the request body exactly as received
 * @param {VerifyOptions} [options]
 * @returns {void}
 */
export function verifyPersonaSignature(secret, header, rawBody, options = {}) {
  const key = Buffer.from(checkSecret(secret), "utf8");
  const value = typeof header === "string" ? header.trim() : "";
  if (value === "") {
    throw new WebhookVerificationError("missing_header", "missing header Persona-Signature", PERSONA_SIGNATURE);
  }
  const body = bytes(rawBody);
  for (const group of value.split(/\s+/)) {
    /** @type {string | undefined} */
    let t;
    /** @type {Buffer[]} */
    const signatures = [];
    for (const pair of group.split(",")) {
      const eq = pair.indexOf("=");
      if (eq < 0) throw malformed(PERSONA_SIGNATURE, "expected key=value pairs");
      const name = pair.slice(0, eq);
      const v = pair.slice(eq + 1);
      if (name === "t") {
        if (!INTEGER.test(v)) throw malformed(PERSONA_SIGNATURE, "t is not an integer");
        t = v;
      } else if (name === "v1") {
        if (!HEX.test(v)) throw malformed(PERSONA_SIGNATURE, "v1 is not hexadecimal");
        signatures.push(Buffer.from(v, "hex"));
      }
      // Other schemes (a future v2) are skipped so this verifier keeps working.
    }
    if (t === undefined) throw malformed(PERSONA_SIGNATURE, "a group has no t");
    // The timestamp is signed exactly as sent.
    const expected = createHmac("sha256", key).update(`${t}.`).update(body).digest();
    if (signatures.some((s) => equal(s, expected))) {
      checkTimestamp(Number(t), options);
      return;
    }
  }
  throw new WebhookVerificationError("no_matching_signature", "no signature matches");
}

/**
 * Verifies the Standard Webhooks headers against the raw body. Throws
 * {@link WebhookVerificationError} when they do not verify; returns nothing when they do.
 *
 * @param {string} secret the endpoint secret as shown, `whsec_...`
 * @param {HeaderSource} headers a fetch `Headers` or Node's `req.headers`
 * @param {RawBody} rawBody the request body exactly as received
 * @param {VerifyOptions} [options]
 * @returns {void}
 */
export function verifyStandardWebhook(secret, headers, rawBody, options = {}) {
  const key = Buffer.from(checkSecret(secret).slice(SECRET_PREFIX.length), "base64");
  const id = required(headers, WEBHOOK_ID);
  const timestamp = required(headers, WEBHOOK_TIMESTAMP);
  const signature = required(headers, WEBHOOK_SIGNATURE);
  if (!INTEGER.test(timestamp)) throw malformed(WEBHOOK_TIMESTAMP, "not an integer");

  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(bytes(rawBody)).digest();
  let matched = false;
  for (const entry of signature.split(/\s+/)) {
    const comma = entry.indexOf(",");
    if (comma < 0) throw malformed(WEBHOOK_SIGNATURE, "expected `v1,<base64>` entries");
    // Other versions (e.g. asymmetric `v1a`) are skipped, as the specification asks; an entry
    // that is not base64 cannot match but does not invalidate the others.
    const encoded = entry.slice(comma + 1);
    if (entry.slice(0, comma) !== "v1" || !BASE64.test(encoded)) continue;
    if (equal(Buffer.from(encoded, "base64"), expected)) {
      matched = true;
      break;
    }
  }
  if (!matched) throw new WebhookVerificationError("no_matching_signature", "no signature matches");
  checkTimestamp(Number(timestamp), options);
}

/**
 * @param {string} secret
 * @returns {string}
 */
function checkSecret(secret) {
  // A misconfiguration, not a bad request: a TypeError, not a verification error.
  if (typeof secret !== "string" || !secret.startsWith(SECRET_PREFIX)) {
    throw new TypeError("a Verity webhook secret is a string starting with `whsec_`");
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  const length = Buffer.from(encoded, "base64").length;
  if (!BASE64.test(encoded) || length < 24 || length > 64) {
    throw new TypeError("a Verity webhook secret is `whsec_` + base64 of 24 to 64 bytes");
  }
  return secret;
}

/**
 * @param {RawBody} body
 * @returns {Uint8Array}
 */
function bytes(body) {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return body;
  throw new TypeError("rawBody must be a string, Buffer or Uint8Array (the body as received)");
}

/**
 * Constant-time for equal lengths; a length mismatch reveals only the length, which is public.
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
function equal(a, b) {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * @param {HeaderSource} headers
 * @param {string} name lowercase header name
 * @returns {string}
 */
function required(headers, name) {
  const value = lookup(headers, name)?.trim();
  if (!value) throw new WebhookVerificationError("missing_header", `missing header ${name}`, name);
  return value;
}

/**
 * @param {HeaderSource} headers
 * @param {string} name lowercase header name
 * @returns {string | undefined}
 */
function lookup(headers, name) {
  if (typeof Headers !== "undefined" && headers instanceof Headers) return headers.get(name) ?? undefined;
  const record = /** @type {Record<string, string | string[] | undefined>} */ (headers);
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(" ") : value;
  }
  return undefined;
}

/**
 * @param {string} header
 * @param {string} reason
 */
function malformed(header, reason) {
  return new WebhookVerificationError("malformed", `malformed header ${header}: ${reason}`, header);
}

/**
 * @param {number} timestamp unix seconds
 * @param {VerifyOptions} options
 */
function checkTimestamp(timestamp, { toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now = Date.now() / 1000 }) {
  const skew = Math.floor(now) - timestamp;
  if (skew > toleranceSeconds) {
    throw new WebhookVerificationError("timestamp_too_old", `timestamp ${timestamp} is more than ${toleranceSeconds} s old`);
  }
  if (-skew > toleranceSeconds) {
    throw new WebhookVerificationError("timestamp_too_new", `timestamp ${timestamp} is more than ${toleranceSeconds} s in the future`);
  }
}
