// verify.test.js — this package's verifiers on their own: the published Standard Webhooks test vector,
// header parsing (missing, malformed, unknown versions, header containers), tolerance bounds and
// secret validation. Fixtures are signed here with node:crypto; Rust interop lives in interop.test.js.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, test } from "node:test";

import { verifyPersonaSignature, verifyStandardWebhook, WebhookVerificationError } from "../index.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const KEY = Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64");
const NOW = 1_700_000_000;
const BODY = '{"data":{"type":"event","id":"evt_1"}}';

/**
 * @param {string} expected
 * @param {string} [header]
 */
function code(expected, header) {
  /** @param {unknown} e */
  return (e) =>
    e instanceof WebhookVerificationError && e.code === expected && (header === undefined || e.header === header);
}

/** @param {number} t @param {string} body @param {string} [secret] */
const persona = (t, body, secret = SECRET) =>
  `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;

/** @param {string} id @param {number} t @param {string} body */
const standard = (id, t, body) => ({
  "webhook-id": id,
  "webhook-timestamp": String(t),
  "webhook-signature": `v1,${createHmac("sha256", KEY).update(`${id}.${t}.${body}`).digest("base64")}`,
});

describe("verifyStandardWebhook", () => {
  test("accepts the published Standard Webhooks test vector", () => {
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    verifyStandardWebhook(SECRET, headers, '{"test": 2432232314}', { now: 1614265330 });
    assert.throws(
      () => verifyStandardWebhook(SECRET, headers, '{"test": 2432232315}', { now: 1614265330 }),
      code("no_matching_signature"),
    );
  });

  test("names each missing header", () => {
    const full = standard("evt_1", NOW, BODY);
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const headers = { ...full, [name]: " " };
      assert.throws(() => verifyStandardWebhook(SECRET, headers, BODY, { now: NOW }), code("missing_header", name));
    }
    assert.throws(() => verifyStandardWebhook(SECRET, {}, BODY, { now: NOW }), code("missing_header", "webhook-id"));
  });

  test("rejects malformed timestamps and signature lists", () => {
    const full = standard("evt_1", NOW, BODY);
    assert.throws(
      () => verifyStandardWebhook(SECRET, { ...full, "webhook-timestamp": "12.5" }, BODY, { now: NOW }),
      code("malformed", "webhook-timestamp"),
    );
    assert.throws(
      () => verifyStandardWebhook(SECRET, { ...full, "webhook-signature": "garbage" }, BODY, { now: NOW }),
      code("malformed", "webhook-signature"),
    );
  });

  test("skips other versions and undecodable entries but still finds the v1 match", () => {
    const full = standard("evt_1", NOW, BODY);
    const signature = `v1a,AAAA v1,***notbase64 ${full["webhook-signature"]}`;
    verifyStandardWebhook(SECRET, { ...full, "webhook-signature": signature }, BODY, { now: NOW });
  });

  test("reads Node's header objects (any case, arrays) and fetch Headers", () => {
    const full = standard("evt_1", NOW, BODY);
    const node = {
      "Webhook-Id": full["webhook-id"],
      "WEBHOOK-TIMESTAMP": full["webhook-timestamp"],
      "webhook-signature": ["v1,bm9wZQ==", full["webhook-signature"]],
    };
    verifyStandardWebhook(SECRET, node, new Uint8Array(Buffer.from(BODY)), { now: NOW });
    verifyStandardWebhook(SECRET, new Headers(full), BODY, { now: NOW });
  });

  test("checks the id and timestamp are signed", () => {
    const full = standard("evt_1", NOW, BODY);
    assert.throws(
      () => verifyStandardWebhook(SECRET, { ...full, "webhook-id": "evt_2" }, BODY, { now: NOW }),
      code("no_matching_signature"),
    );
    assert.throws(
      () => verifyStandardWebhook(SECRET, { ...full, "webhook-timestamp": String(NOW + 1) }, BODY, { now: NOW }),
      code("no_matching_signature"),
    );
  });

  test("tolerance bounds are inclusive either way", () => {
    const full = standard("evt_1", NOW, BODY);
    verifyStandardWebhook(SECRET, full, BODY, { now: NOW + 300 });
    verifyStandardWebhook(SECRET, full, BODY, { now: NOW - 300 });
    assert.throws(() => verifyStandardWebhook(SECRET, full, BODY, { now: NOW + 301 }), code("timestamp_too_old"));
    assert.throws(() => verifyStandardWebhook(SECRET, full, BODY, { now: NOW - 301 }), code("timestamp_too_new"));
    verifyStandardWebhook(SECRET, full, BODY, { now: NOW + 1000, toleranceSeconds: 1000 });
  });
});

describe("verifyPersonaSignature", () => {
  test("accepts a fresh signature keyed with the secret string as shown", () => {
    verifyPersonaSignature(SECRET, persona(NOW, BODY), BODY, { now: NOW });
    verifyPersonaSignature(SECRET, persona(NOW, BODY), Buffer.from(BODY), { now: NOW + 300 });
  });

  test("rejects a tampered body, a wrong secret, and old or future timestamps", () => {
    const header = persona(NOW, BODY);
    assert.throws(() => verifyPersonaSignature(SECRET, header, BODY + " ", { now: NOW }), code("no_matching_signature"));
    const other = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    assert.throws(() => verifyPersonaSignature(other, header, BODY, { now: NOW }), code("no_matching_signature"));
    assert.throws(() => verifyPersonaSignature(SECRET, header, BODY, { now: NOW + 301 }), code("timestamp_too_old"));
    assert.throws(() => verifyPersonaSignature(SECRET, header, BODY, { now: NOW - 301 }), code("timestamp_too_new"));
    const moved = header.replace(`t=${NOW}`, `t=${NOW + 1}`);
    assert.throws(() => verifyPersonaSignature(SECRET, moved, BODY, { now: NOW }), code("no_matching_signature"));
  });

  test("accepts any matching group during a rotation and skips unknown schemes", () => {
    const other = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    const header = `${persona(NOW, BODY, other)} ${persona(NOW, BODY)}`.replace(",v1=", ",v2=ab,v1=");
    verifyPersonaSignature(SECRET, header, BODY, { now: NOW });
    verifyPersonaSignature(other, header, BODY, { now: NOW });
  });

  test("names missing and malformed headers", () => {
    for (const missing of [undefined, null, "", "   "]) {
      assert.throws(() => verifyPersonaSignature(SECRET, missing, BODY, { now: NOW }), code("missing_header"));
    }
    for (const bad of ["garbage", "t=abc,v1=00", "v1=00", "t=1,v1=zz", "t=1,v1=abc"]) {
      assert.throws(() => verifyPersonaSignature(SECRET, bad, BODY, { now: NOW }), code("malformed"), bad);
    }
  });
});

test("secrets that are not whsec_ + base64 of 24–64 bytes are a TypeError, not a verification error", () => {
  for (const bad of ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2hvcnQ=", "whsec_!!!", `whsec_${Buffer.alloc(65).toString("base64")}`]) {
    assert.throws(() => verifyPersonaSignature(bad, "t=1,v1=00", BODY), TypeError, bad);
    assert.throws(() => verifyStandardWebhook(bad, {}, BODY), TypeError, bad);
  }
});
