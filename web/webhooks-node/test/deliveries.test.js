// deliveries.test.js — deliveries recorded from a running `verity serve` (written by the Rust
// end-to-end test crates/verity/tests/it/webhooks.rs, which sets VERITY_DELIVERIES to a JSON file of
// `[{secrets, delivery: {headers, body}}]`) must verify with the unmodified `standardwebhooks` package
// and with a Persona-Signature HMAC recomputed here with node:crypto; a tampered body, a wrong secret
// and an old timestamp must each fail. Without VERITY_DELIVERIES the tests are skipped.

import assert from "node:assert/strict";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { Webhook } from "standardwebhooks";

const file = process.env.VERITY_DELIVERIES;
/** @type {{secrets: string[], delivery: {headers: Record<string, string>, body: string}}[]} */
const cases = file ? JSON.parse(readFileSync(file, "utf8")) : [];
const skip = file ? false : "set VERITY_DELIVERIES (the Rust end-to-end test does)";

/**
 * Persona-Signature check written from the format alone: `t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>`,
 * groups separated by spaces; the key is the secret string as shown.
 * @param {string} header
 * @param {string} body
 * @param {string} secret
 * @param {number} nowSeconds
 */
function personaValid(header, body, secret, nowSeconds) {
  return header.split(" ").some((group) => {
    const parts = Object.fromEntries(group.split(",").map((kv) => kv.split("=", 2)));
    const t = Number(parts.t);
    if (!Number.isFinite(t) || Math.abs(nowSeconds - t) > 300 || !parts.v1) return false;
    const expected = createHmac("sha256", secret).update(`${parts.t}.${body}`).digest();
    const given = Buffer.from(parts.v1, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const now = () => Math.floor(Date.now() / 1000);

test("every delivery verifies with standardwebhooks, with each valid secret", { skip }, () => {
  assert.ok(cases.length > 0);
  for (const { secrets, delivery } of cases) {
    for (const secret of secrets) {
      const payload = new Webhook(secret).verify(delivery.body, delivery.headers);
      assert.equal(/** @type {any} */ (payload).data.id, delivery.headers["webhook-id"]);
    }
  }
});

test("every delivery verifies in the Persona format, with each valid secret", { skip }, () => {
  for (const { secrets, delivery } of cases) {
    for (const secret of secrets) {
      assert.ok(personaValid(delivery.headers["persona-signature"], delivery.body, secret, now()));
    }
  }
});

test("a tampered body or a wrong secret fails in both formats", { skip }, () => {
  const wrong = `whsec_${randomBytes(32).toString("base64")}`;
  for (const { secrets, delivery } of cases) {
    const tampered = delivery.body.replace('"type":"event"', '"type":"evenT"');
    assert.notEqual(tampered, delivery.body);
    assert.throws(() => new Webhook(secrets[0]).verify(tampered, delivery.headers));
    assert.ok(!personaValid(delivery.headers["persona-signature"], tampered, secrets[0], now()));
    assert.throws(() => new Webhook(wrong).verify(delivery.body, delivery.headers));
    assert.ok(!personaValid(delivery.headers["persona-signature"], delivery.body, wrong, now()));
  }
});

test("an old timestamp fails in both formats", { skip }, () => {
  for (const { secrets, delivery } of cases) {
    const sent = Number(delivery.headers["webhook-timestamp"]);
    const later = sent + 3600;
    // standardwebhooks checks against its own clock: replay the delivery an hour "later" by
    // moving Date.now for the call.
    const realNow = Date.now;
    Date.now = () => later * 1000;
    try {
      assert.throws(() => new Webhook(secrets[0]).verify(delivery.body, delivery.headers));
    } finally {
      Date.now = realNow;
    }
    assert.ok(!personaValid(delivery.headers["persona-signature"], delivery.body, secrets[0], later));
  }
});
