// Go's encoding/binary signed varints (binary.PutVarint, binary.Varint): zig-zag,
// then base-128 little-endian, at most 10 bytes for 64 bits. io_rpc
// (server/public/plugin/io_rpc.go) sends its byte counts this way.

/** The longest varint of a 64-bit value. */
export const MAX_VARINT_BYTES = 10;

/** binary.PutVarint. */
export function putVarint(n: bigint): Buffer {
  let u = n < 0n ? ((-n - 1n) << 1n) | 1n : n << 1n;
  const out: number[] = [];
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return Buffer.from(out);
}

/** binary.Varint: the value and its byte count; null when more bytes are needed. */
export function decodeVarint(bytes: Uint8Array): {value: bigint; length: number} | null {
  let u = 0n;
  let shift = 0n;
  for (let i = 0; i < bytes.length && i < MAX_VARINT_BYTES; i++) {
    const b = bytes[i]!;
    u |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) {
      const value = u & 1n ? -(u >> 1n) - 1n : u >> 1n;
      return {value, length: i + 1};
    }
    shift += 7n;
  }
  if (bytes.length >= MAX_VARINT_BYTES) throw new Error('varint overflows a 64-bit integer');
  return null;
}
