import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {decodeVarint, putVarint} from './varint.js';

describe('Go binary varints', () => {
  it('writes and reads the bytes Go binary.PutVarint writes (zig-zag)', () => {
    // Measured with Go: 1 → 02, 4096 → 80 40, 32768 → 80 80 04, -1 → 01.
    const known: [bigint, string][] = [[1n, '02'], [4096n, '8040'], [32768n, '808004'], [-1n, '01'], [0n, '00']];
    for (const [n, hex] of known) {
      assert.equal(putVarint(n).toString('hex'), hex);
      assert.deepEqual(decodeVarint(Buffer.from(hex, 'hex')), {value: n, length: hex.length / 2});
    }
    // Bytes after the varint are not part of it.
    assert.deepEqual(decodeVarint(Uint8Array.from([0x80, 0x80, 0x04, 0xff])), {value: 32768n, length: 3});
  });

  it('round-trips up to 64-bit values', () => {
    for (const n of [0n, 1n, -1n, 63n, 64n, -65n, 300n, 1n << 40n, (1n << 62n) - 1n, (1n << 63n) - 1n, -(1n << 63n)]) {
      const bytes = putVarint(n);
      assert.ok(bytes.length <= 10);
      assert.deepEqual(decodeVarint(bytes), {value: n, length: bytes.length});
    }
  });

  it('asks for more bytes on a truncated varint and refuses one longer than 10 bytes', () => {
    assert.equal(decodeVarint(Uint8Array.from([0x80, 0x80])), null);
    assert.throws(() => decodeVarint(new Uint8Array(11).fill(0x80)), /overflows/);
  });
});
