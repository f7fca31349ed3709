// interop.test.js — signatures made by the Rust crate (crates/verity-webhooks, via its `sign` example)
// must verify with verifiers we did not write: the unmodified `standardwebhooks` npm package for the
// Standard Webhooks headers, and an HMAC recomputed here with node:crypto for Persona-Signature. The same
// deliveries go through this package's verifiers, and tampered body, wrong secret and old timestamp must
// fail in every verifier.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { Webhook, WebhookVerificationError as ReferenceError } from "standardwebhooks";

import { verifyPersonaSignature, verifyStandardWebhook, WebhookVerificationError } from "../index.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "verity-webhooks-node-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh `whsec_` secret of 32 random bytes. */
const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const SECRET = newSecret();
const OTHER_SECRET = newSecret();
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Signs `body` with the Rust crate. Several secrets sign as during a rotation.
 * @param {string[]} secrets
 * @param {string} id
 * @param {number} timestamp unix seconds
 * @param {string} body
 * @returns {{"persona-signature": string, "webhook-id": string, "webhook-timestamp": string, "webhook-signature": string}}
 */
function signWithRust(secrets, id, timestamp, body) {
  const file = join(scratch, `${id}.json`);
  writeFileSync(file, body);
  const out = execFileSync(
    "cargo",
    ["run", "-q", "-p", "verity-webhooks", "--example", "sign", "--", secrets.join(","), id, String(timestamp), file],
    { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  return JSON.parse(out);
}

/** @param {Record<string, string>} signed */
const standardHeaders = (signed) => ({
  "webhook-id": signed["webhook-id"],
  "webhook-timestamp": signed["webhook-timestamp"],
  "webhook-signature": signed["webhook-signature"],
});

/**
 * An independent Persona-format check, written from the format's description only: for some group
 * `t=..,v1=..` the hex HMAC-SHA256 of "{t}.{body}" keyed with the secret string must equal v1, and t
 * must be within five minutes of now.
 * @param {string} secret
 * @param {string} header
 * @param {string} body
 * @param {number} now
 */
function independentPersonaCheck(secret, header, body, now) {
  return header.split(" ").some((group) => {
    const fields = Object.fromEntries(group.split(",").map((kv) => kv.split("=")));
    const mac = createHmac("sha256", secret).update(`${fields.t}.${body}`).digest();
    const given = Buffer.from(fields.v1, "hex");
    return given.length === mac.length && timingSafeEqual(given, mac) && Math.abs(now - Number(fields.t)) <= 300;
  });
}

const BODY = JSON.stringify({
  data: {
    type: "event",
    id: "evt_ABC123",
    attributes: { name: "inquiry.completed", payload: { data: { type: "inquiry", id: "inq_1" } }, "created-at": "2026-01-02T03:04:05.678Z" },
  },
});
const TAMPERED = BODY.replace("inquiry.completed", "inquiry.approved");

describe("a fresh delivery signed by the Rust crate", () => {
  const now = nowSeconds();
  const signed = signWithRust([SECRET], "evt_fresh", now, BODY);

  test("carries the expected header shapes", () => {
    assert.match(signed["persona-signature"], new RegExp(`^t=${now},v1=[0-9a-f]{64}$`));
    assert.equal(signed["webhook-id"], "evt_fresh");
    assert.equal(signed["webhook-timestamp"], String(now));
    assert.match(signed["webhook-signature"], /^v1,[A-Za-z0-9+/]{43}=$/);
  });

  test("verifies with the unmodified standardwebhooks package", () => {
    const payload = new Webhook(SECRET).verify(BODY, standardHeaders(signed));
    assert.deepEqual(payload, JSON.parse(BODY));
    // Also when the body arrives as a Buffer.
    assert.deepEqual(new Webhook(SECRET).verify(Buffer.from(BODY), standardHeaders(signed)), JSON.parse(BODY));
  });

  test("is exactly what standardwebhooks itself would sign", () => {
    assert.equal(new Webhook(SECRET).sign("evt_fresh", new Date(now * 1000), BODY), signed["webhook-signature"]);
  });

  test("verifies with the independent Persona-format check", () => {
    assert.equal(independentPersonaCheck(SECRET, signed["persona-signature"], BODY, nowSeconds()), true);
  });

  test("verifies with this package, in both formats", () => {
    verifyStandardWebhook(SECRET, standardHeaders(signed), BODY);
    verifyStandardWebhook(SECRET, new Headers(standardHeaders(signed)), Buffer.from(BODY));
    verifyPersonaSignature(SECRET, signed["persona-signature"], BODY);
  });

  test("a tampered body fails in every verifier", () => {
    assert.throws(() => new Webhook(SECRET).verify(TAMPERED, standardHeaders(signed)), ReferenceError);
    assert.equal(independentPersonaCheck(SECRET, signed["persona-signature"], TAMPERED, nowSeconds()), false);
    assert.throws(() => verifyStandardWebhook(SECRET, standardHeaders(signed), TAMPERED), code("no_matching_signature"));
    assert.throws(() => verifyPersonaSignature(SECRET, signed["persona-signature"], TAMPERED), code("no_matching_signature"));
  });

  test("the wrong secret fails in every verifier", () => {
    assert.throws(() => new Webhook(OTHER_SECRET).verify(BODY, standardHeaders(signed)), ReferenceError);
    assert.equal(independentPersonaCheck(OTHER_SECRET, signed["persona-signature"], BODY, nowSeconds()), false);
    assert.throws(() => verifyStandardWebhook(OTHER_SECRET, standardHeaders(signed), BODY), code("no_matching_signature"));
    assert.throws(() => verifyPersonaSignature(OTHER_SECRET, signed["persona-signature"], BODY), code("no_matching_signature"));
  });

  test("a Persona key that drops the whsec_ prefix does not verify (the key is the shown string)", () => {
    const bare = SECRET.slice("whsec_".length);
    assert.equal(independentPersonaCheck(bare, signed["persona-signature"], BODY, nowSeconds()), false);
  });
});

describe("a delivery signed an hour ago by the Rust crate", () => {
  const then = nowSeconds() - 3600;
  const signed = signWithRust([SECRET], "evt_old", then, BODY);

  test("fails in every verifier", () => {
    assert.throws(() => new Webhook(SECRET).verify(BODY, standardHeaders(signed)), /timestamp too old/);
    assert.equal(independentPersonaCheck(SECRET, signed["persona-signature"], BODY, nowSeconds()), false);
    assert.throws(() => verifyStandardWebhook(SECRET, standardHeaders(signed), BODY), code("timestamp_too_old"));
    assert.throws(() => verifyPersonaSignature(SECRET, signed["persona-signature"], BODY), code("timestamp_too_old"));
  });

  test("is still genuine: a wide enough tolerance accepts it", () => {
    const options = { toleranceSeconds: 7200 };
    verifyStandardWebhook(SECRET, standardHeaders(signed), BODY, options);
    verifyPersonaSignature(SECRET, signed["persona-signature"], BODY, options);
    assert.equal(independentPersonaCheck(SECRET, signed["persona-signature"], BODY, then), true);
  });
});

describe("a delivery signed during a secret rotation", () => {
  const NEXT = newSecret();
  const signed = signWithRust([NEXT, SECRET], "evt_rotation", nowSeconds(), BODY);

  test("carries two signatures in each format", () => {
    assert.equal(signed["webhook-signature"].split(" ").length, 2);
    assert.equal(signed["persona-signature"].split(" ").length, 2);
  });

  test("verifies with either secret in every verifier, and with neither other secret", () => {
    for (const secret of [NEXT, SECRET]) {
      assert.deepEqual(new Webhook(secret).verify(BODY, standardHeaders(signed)), JSON.parse(BODY));
      assert.equal(independentPersonaCheck(secret, signed["persona-signature"], BODY, nowSeconds()), true);
      verifyStandardWebhook(secret, standardHeaders(signed), BODY);
      verifyPersonaSignature(secret, signed["persona-signature"], BODY);
    }
    assert.throws(() => new Webhook(OTHER_SECRET).verify(BODY, standardHeaders(signed)), ReferenceError);
    assert.throws(() => verifyPersonaSignature(OTHER_SECRET, signed["persona-signature"], BODY), code("no_matching_signature"));
  });
});

test("non-ASCII bodies are signed over their UTF-8 bytes in every implementation", () => {
  const body = JSON.stringify({ name: "Zoë Ñandú — 東京", emoji: "🪪" });
  const now = nowSeconds();
  const signed = signWithRust([SECRET], "evt_utf8", now, body);
  assert.deepEqual(new Webhook(SECRET).verify(body, standardHeaders(signed)), JSON.parse(body));
  assert.equal(independentPersonaCheck(SECRET, signed["persona-signature"], body, now), true);
  verifyStandardWebhook(SECRET, standardHeaders(signed), Buffer.from(body, "utf8"));
  verifyPersonaSignature(SECRET, signed["persona-signature"], body);
});

/**
 * An assert.throws matcher for one of this package's error codes.
 * @param {string} expected
 */
function code(expected) {
  /** @param {unknown} error */
  return (error) => error instanceof WebhookVerificationError && error.code === expected;
}
