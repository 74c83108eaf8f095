import assert from 'node:assert/strict';
import {createHmac} from 'node:crypto';
import {describe, it} from 'node:test';
import {constantTimeEqual} from './hmac.js';
import {generateSecret, rotateSecret, signedHeaders, verifySignature} from './signing.js';

// An independent receiver written from the published scheme, with Node's crypto
// only: v0=hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body)).
function receiverExpects(secret: string, ts: string, body: Buffer): string {
  const h = createHmac('sha256', Buffer.from(secret, 'utf8'));
  h.update(Buffer.concat([Buffer.from(`v0:${ts}:`, 'utf8'), body]));
  return 'v0=' + h.digest('hex');
}

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

describe('signed deliveries', () => {
  it('generates 32-byte base64url secrets with the hbs_ prefix', () => {
    const a = generateSecret();
    const b = generateSecret();
    assert.match(a, /^hbs_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(a.slice(4), 'base64url').length, 32);
    assert.notEqual(a, b);
  });

  it('signs exactly as an independent receiver computes it', () => {
    const secret = generateSecret();
    const body = Buffer.from('{"text":"héllo wörld","n":1}\n');
    const h = signedHeaders({deliveryId: 'd1', body, secrets: {signing_secret: secret}, nowMs: NOW});
    assert.equal(h['X-Hookbridge-Delivery'], 'd1');
    assert.equal(h['X-Hookbridge-Timestamp'], String(Math.floor(NOW / 1000)));
    assert.equal(h['X-Hookbridge-Signature'], receiverExpects(secret, h['X-Hookbridge-Timestamp']!, body));
  });

  it('signs binary bodies byte for byte', () => {
    const body = Buffer.from([0, 255, 0xc3, 0x28, 10, 13]);
    const h = signedHeaders({deliveryId: 'd', body, secrets: {signing_secret: 's'}, nowMs: NOW});
    assert.equal(h['X-Hookbridge-Signature'], receiverExpects('s', h['X-Hookbridge-Timestamp']!, body));
  });

  it('sends no signature header without a secret', () => {
    const h = signedHeaders({deliveryId: 'd', body: Buffer.from('x'), secrets: {}, nowMs: NOW});
    assert.deepEqual(Object.keys(h).sort(), ['X-Hookbridge-Delivery', 'X-Hookbridge-Timestamp']);
  });

  it('sends new and old signatures during rotation, only the new one after the grace period', () => {
    const old = generateSecret();
    const rotated = rotateSecret({signing_secret: old}, NOW, 60_000);
    assert.equal(rotated.previous_secret, old);
    assert.equal(rotated.previous_secret_expires_at, NOW + 60_000);
    const body = Buffer.from('payload=%7B%7D');
    const during = signedHeaders({deliveryId: 'd', body, secrets: rotated, nowMs: NOW + 59_999});
    const ts = during['X-Hookbridge-Timestamp']!;
    assert.equal(during['X-Hookbridge-Signature'], `${receiverExpects(rotated.signing_secret, ts, body)},${receiverExpects(old, ts, body)}`);
    const after = signedHeaders({deliveryId: 'd', body, secrets: rotated, nowMs: NOW + 60_000});
    assert.equal(after['X-Hookbridge-Signature'], receiverExpects(rotated.signing_secret, after['X-Hookbridge-Timestamp']!, body));
  });

  it('verifies: right secret, either secret during rotation, skew window, tampering', () => {
    const body = Buffer.from('{"a":1}');
    const rotated = rotateSecret({signing_secret: 'hbs_old'}, NOW);
    const h = signedHeaders({deliveryId: 'd', body, secrets: rotated, nowMs: NOW});
    const base = {signature: h['X-Hookbridge-Signature'], timestamp: h['X-Hookbridge-Timestamp'], body, nowMs: NOW};
    assert.deepEqual(verifySignature({...base, secrets: rotated.signing_secret}), {ok: true});
    assert.deepEqual(verifySignature({...base, secrets: 'hbs_old'}), {ok: true});
    assert.equal(verifySignature({...base, secrets: 'hbs_other'}).ok, false);
    assert.equal(verifySignature({...base, secrets: rotated.signing_secret, body: Buffer.from('{"a":2}')}).ok, false);
    const late = verifySignature({...base, secrets: rotated.signing_secret, nowMs: NOW + 301_000});
    assert.equal(late.ok === false && late.reason, 'stale');
    assert.equal(verifySignature({...base, secrets: rotated.signing_secret, nowMs: NOW + 299_000}).ok, true);
    const missing = verifySignature({...base, signature: undefined, secrets: 'x'});
    assert.equal(missing.ok === false && missing.reason, 'missing');
    const malformed = verifySignature({...base, timestamp: '12a', secrets: 'x'});
    assert.equal(malformed.ok === false && malformed.reason, 'malformed');
  });

  it('accepts a signature produced independently by the receiver-side formula', () => {
    const ts = String(Math.floor(NOW / 1000));
    const body = Buffer.from('hello');
    assert.equal(verifySignature({secrets: 'k', signature: receiverExpects('k', ts, body), timestamp: ts, body, nowMs: NOW}).ok, true);
  });

  it('compares in constant time without throwing on different lengths', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
    assert.equal(constantTimeEqual('', ''), true);
  });
});
