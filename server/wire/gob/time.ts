// time.Time's GobEncode format (Go time.go, MarshalBinary):
//   version 1: 01 | seconds since 0001-01-01 UTC (int64 BE) | nanoseconds (int32 BE)
//              | zone offset in minutes (int16 BE, -1 = UTC)
//   version 2: as version 1, plus one byte of offset seconds (zones with second offsets).

import {GobError} from './types.js';

/** Seconds from 0001-01-01T00:00:00Z to 1970-01-01T00:00:00Z. */
const UNIX_TO_INTERNAL = 62135596800n;

export class GoTime {
  constructor(
    /** Seconds since 0001-01-01 UTC. */
    readonly seconds: bigint,
    readonly nanos: number,
    /** Zone offset in minutes east of UTC; null means UTC (Go's -1 marker). */
    readonly offsetMinutes: number | null,
    readonly offsetSeconds = 0,
  ) {}

  static fromDate(date: Date, nanosWithinMilli = 0, offsetMinutes: number | null = null): GoTime {
    const ms = BigInt(date.getTime());
    let secs = ms / 1000n;
    let rem = Number(ms % 1000n);
    if (rem < 0) {
      secs -= 1n;
      rem += 1000;
    }
    return new GoTime(secs + UNIX_TO_INTERNAL, rem * 1e6 + nanosWithinMilli, offsetMinutes);
  }

  /** Go's zero time.Time, which gob omits from structs. */
  isZero(): boolean {
    return this.seconds === 0n && this.nanos === 0 && this.offsetMinutes === null;
  }

  toDate(): Date {
    return new Date(Number(this.seconds - UNIX_TO_INTERNAL) * 1000 + Math.floor(this.nanos / 1e6));
  }

  encode(): Uint8Array {
    const v2 = this.offsetSeconds !== 0;
    const out = new Uint8Array(v2 ? 16 : 15);
    const view = new DataView(out.buffer);
    out[0] = v2 ? 2 : 1;
    view.setBigInt64(1, this.seconds, false);
    view.setInt32(9, this.nanos, false);
    view.setInt16(13, this.offsetMinutes ?? -1, false);
    if (v2) out[15] = this.offsetSeconds;
    return out;
  }

  static decode(bytes: Uint8Array): GoTime {
    const version = bytes[0];
    if (!((version === 1 && bytes.length === 15) || (version === 2 && bytes.length === 16))) {
      throw new GobError('gob: Time.UnmarshalBinary: invalid length or version');
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const offset = view.getInt16(13, false);
    return new GoTime(
      view.getBigInt64(1, false),
      view.getInt32(9, false),
      offset === -1 ? null : offset,
      version === 2 ? bytes[15]! : 0,
    );
  }
}
