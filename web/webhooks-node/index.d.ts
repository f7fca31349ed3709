// Public API of @verity/webhooks (hand-written; index.js is checked against its JSDoc by tsc).

/** Name of the Persona-format signature header (lowercase, as Node delivers it). */
export const PERSONA_SIGNATURE: "persona-signature";
export const WEBHOOK_ID: "webhook-id";
export const WEBHOOK_TIMESTAMP: "webhook-timestamp";
export const WEBHOOK_SIGNATURE: "webhook-signature";
/** Standard Webhooks' default tolerance: five minutes either way. */
export const DEFAULT_TOLERANCE_SECONDS: 300;

export type VerificationErrorCode =
  | "missing_header"
  | "malformed"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "no_matching_signature";

/** Why a delivery did not verify. Reject the request (400/401) whatever the code. */
export class WebhookVerificationError extends Error {
  constructor(code: VerificationErrorCode, message: string, header?: string);
  readonly code: VerificationErrorCode;
  /** The header concerned, for `missing_header` and `malformed`. */
  readonly header: string | undefined;
}

export interface VerifyOptions {
  /** Allowed clock skew either way, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** The current time in unix seconds. Default: the system clock. */
  now?: number;
}

/** The request body exactly as received (a string is read as UTF-8). */
export type RawBody = string | Uint8Array;

/** A fetch `Headers` or Node's `req.headers`; names are matched case-insensitively. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

/**
 * Verifies `Persona-Signature` (`t=<unix>,v1=<hex>`, space-separated groups during a rotation).
 * The HMAC key is the secret string as shown. Throws WebhookVerificationError on failure,
 * TypeError when `secret` is not a `whsec_` secret.
 */
export function verifyPersonaSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: RawBody,
  options?: VerifyOptions,
): void;

/**
 * Verifies the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`). The HMAC key is the base64-decoded part after `whsec_`.
 * Throws WebhookVerificationError on failure, TypeError when `secret` is not a `whsec_` secret.
 */
export function verifyStandardWebhook(
  secret: string,
  headers: HeaderSource,
  rawBody: RawBody,
  options?: VerifyOptions,
): void;
