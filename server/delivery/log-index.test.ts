import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {newId} from './kv.js';
import {decodeIndex, encodeIndex, type IndexEntry} from './log-index.js';

const text = (raw: Uint8Array): string => Buffer.from(raw).toString('utf8');
/** The digits of a page slot (log.ts): Crockford's base 32. */
const DIGITS = '0123456789abcdefghjkmnpqrstvwxyz';

/** What a busy hook's index looks like: pages of consecutive slots, created a few ms apart. */
function pagedIndex(pages: number, perPage: number, start = 1_796_663_704_433): IndexEntry[] {
  const out: IndexEntry[] = [];
  let at = start;
  for (let p = 0; p < pages; p++) {
    const page = newId().slice(0, 24);
    for (let s = perPage - 1; s >= 0; s--) {
      out.push([page + DIGITS[s >> 5]! + DIGITS[s & 31]!, at, 0]);
      at -= 1 + (s % 7);
    }
  }
  return out;
}

describe('delivery log index (stored form)', () => {
  it('round-trips a full index, and takes a small fraction of the plain list', () => {
    const entries = pagedIndex(4, 50);
    const raw = encodeIndex(entries);
    assert.deepEqual(decodeIndex(raw), entries);
    const plain = Buffer.byteLength(JSON.stringify(entries));
    assert.ok(raw.length * 4 < plain, `${raw.length} bytes against ${plain} for the plain list`);
    assert.doesNotMatch(text(raw), /"w"/, 'no flags when every record is in its page');
  });

  it('keeps where each record is, entries an older version wrote without it reading as on their own key', () => {
    const [a, b, c] = pagedIndex(1, 3);
    const entries: IndexEntry[] = [a!, [b![0], b![1], 1], [c![0], c![1]]];
    assert.deepEqual(decodeIndex(encodeIndex(entries)), [a, [b![0], b![1], 1], [c![0], c![1], 1]]);
  });

  it('keeps ids that share nothing, or everything, with the one before, and times out of order', () => {
    const id = newId();
    const entries: IndexEntry[] = [
      [id, 5, 0],
      [id, 9, 1],
      ['zzzzzzzzzzzzzzzzzzzzzzzzzz', 0, 0],
      ['00000000000000000000000000', -3, 1],
    ];
    assert.deepEqual(decodeIndex(encodeIndex(entries)), entries);
    assert.deepEqual(decodeIndex(encodeIndex([])), []);
  });

  it('stores the plain list when an id is not 26 characters of [0-9a-z], and reads that list as older versions wrote it', () => {
    const odd: IndexEntry[] = [['short', 1, 0], ['UPPERCASEUPPERCASEUPPERCAS', 2, 1]];
    const raw = encodeIndex(odd);
    assert.equal(text(raw), JSON.stringify(odd));
    assert.deepEqual(decodeIndex(raw), odd);
    assert.deepEqual(decodeIndex(Buffer.from('[["01m98r0yv900009w5r2y3e4m02",1796663704433]]')), [['01m98r0yv900009w5r2y3e4m02', 1796663704433]]);
  });

  it('reads a missing, empty or damaged value as no index', () => {
    const good = JSON.parse(text(encodeIndex(pagedIndex(1, 3)))) as {ids: string; at: number[]};
    const damaged: unknown[] = [
      'not json',
      '"a string"',
      '{"v":3,"ids":"","at":[]}',
      {...good, ids: good.ids.slice(0, -1)},
      {...good, ids: good.ids + 'x'},
      {...good, at: good.at.slice(1)},
      {...good, at: [...good.at.slice(0, 2), 'x']},
      {...good, at: [...good.at.slice(0, 2), 1.5]},
      {...good, w: '01'},
      {...good, ids: '[' + good.ids.slice(1)},
      {...good, ids: 'Z' + good.ids.slice(1)},
    ];
    assert.equal(decodeIndex(null), null);
    assert.equal(decodeIndex(new Uint8Array(0)), null);
    for (const d of damaged) assert.equal(decodeIndex(Buffer.from(typeof d === 'string' ? d : JSON.stringify(d))), null, JSON.stringify(d));
  });
});
