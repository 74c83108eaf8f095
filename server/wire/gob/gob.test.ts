import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {WriteBuffer, ReadBuffer, recentSlot} from './buffer.js';
import {decodeAll, Decoder, Encoder, GobError, GoComplex, GoInterface, GoMarshaled, GoTime, t, timeType, urlType, type GoType} from './index.js';

const hex = (s: string): Uint8Array => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const vectors = new Map(
  readFileSync(new URL('./testdata/go119-vectors.txt', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([name, , bytes]) => [name!, hex(bytes!)]),
);

function roundTrip(value: unknown, type: GoType): unknown {
  const [out] = decodeAll(new Encoder().encode(value, type));
  return out;
}

describe('gob primitives', () => {
  const cases: [string, (w: WriteBuffer) => void, string][] = [
    ['uint 0', (w) => w.uint(0), '00'],
    ['uint 127', (w) => w.uint(127), '7f'],
    ['uint 128', (w) => w.uint(128), 'ff80'],
    ['uint 256', (w) => w.uint(256), 'fe0100'],
    ['uint64 max', (w) => w.uint(2n ** 64n - 1n), 'f8ffffffffffffffff'],
    ['uint 2^53+1', (w) => w.uint(2n ** 53n + 1n), 'f920000000000001'],
    ['int 1', (w) => w.int(1), '02'],
    ['int -1', (w) => w.int(-1), '01'],
    ['int 60', (w) => w.int(60), '78'],
    ['int -129', (w) => w.int(-129), 'fe0101'],
    ['int64 min', (w) => w.int(-(2n ** 63n)), 'f8ffffffffffffffff'],
    ['int64 max', (w) => w.int(2n ** 63n - 1n), 'f8fffffffffffffffe'],
    ['float 2.0', (w) => w.float(2), '40'],
    ['float 1.5', (w) => w.float(1.5), 'fef83f'],
    ['float 17.0', (w) => w.float(17), 'fe3140'],
    ['float 0', (w) => w.float(0), '00'],
    ['string', (w) => w.string('hooks'), '05686f6f6b73'],
  ];
  for (const [name, write, want] of cases) {
    it(`encodes ${name}`, () => {
      const w = new WriteBuffer(4);
      write(w);
      assert.equal(toHex(w.bytes()), want);
    });
  }

  it('reads back what it writes, including values beyond 2^53', () => {
    const ints: (number | bigint)[] = [0, 1, -1, 63, -64, 64, 2 ** 31, -(2 ** 31), 2 ** 52 - 1, -(2 ** 52), 2n ** 60n, -(2n ** 63n), 2n ** 63n - 1n];
    const w = new WriteBuffer(1);
    for (const v of ints) w.int(v);
    for (const f of [0, -0.1, 3.141592653589793, 1e300, -Infinity, Number.MIN_VALUE]) w.float(f);
    const r = new ReadBuffer(w.bytes());
    for (const v of ints) assert.equal(r.int(), typeof v === 'bigint' && v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v);
    for (const f of [0, -0.1, 3.141592653589793, 1e300, -Infinity, Number.MIN_VALUE]) assert.equal(r.float(), f);
    assert.equal(r.remaining, 0);
  });

  it('rejects values that do not fit', () => {
    const w = new WriteBuffer();
    assert.throws(() => w.uint(-1), GobError);
    assert.throws(() => w.uint(2n ** 64n), GobError);
    assert.throws(() => w.int(2n ** 63n), GobError);
    assert.throws(() => w.int(1.5), GobError);
  });
});

describe('gob decoder on Go 1.19 vectors', () => {
  it('decodes every vector completely', () => {
    assert.equal(vectors.size, 23);
    for (const [name, bytes] of vectors) {
      assert.doesNotThrow(() => decodeAll(bytes), name);
    }
  });

  it('decodes a MessageWillBePosted args value split across messages', () => {
    const [v] = decodeAll(vectors.get('mwbp_args_full')!) as [{A: unknown; B: Record<string, unknown>}];
    assert.deepEqual(v.A, {SessionId: 's1', RequestId: 'r1'});
    assert.equal(v.B.CreateAt, 1700000000000);
    assert.equal(v.B.UpdateAt, -1);
    assert.deepEqual(v.B.Props, {s: 'x', b: true, f: 1.5, l: ['a', 2], m: {k: 'v'}});
    assert.equal(v.B.DeleteAt, undefined, 'zero fields are absent');
  });

  it('keeps unregistered-basic interface values with their Go name and type', () => {
    const [v] = decodeAll(vectors.get('on_activate_returns_apperror')!) as [{A: GoInterface}];
    assert.ok(v.A instanceof GoInterface);
    assert.equal(v.A.name, '*model.AppError');
    assert.deepEqual(v.A.value, {Id: 'x.y', StatusCode: 500});
    const [nested] = decodeAll(vectors.get('props_nested_new_type')!) as [{l: GoInterface[]}];
    assert.equal(nested.l[0]!.name, '*plugin.ErrorString');
    assert.deepEqual(nested.l[0]!.value, {Err: 'e'});
  });

  it('decodes nil interfaces, singletons and string slices', () => {
    assert.deepEqual(decodeAll(vectors.get('props_nil')!), [{n: null}]);
    assert.deepEqual(decodeAll(vectors.get('int64_-1')!), [-1]);
    assert.deepEqual(decodeAll(vectors.get('uint32_7')!), [7]);
    assert.deepEqual(decodeAll(vectors.get('string_slice')!), [['OnActivate', 'MessageWillBePosted']]);
  });

  it('re-encodes every vector from the wire types it saw, and decodes to the same value', () => {
    for (const [name, bytes] of vectors) {
      const d = new Decoder();
      d.feed(bytes);
      const got = d.decode()!;
      const again = decodeAll(new Encoder().encode(got.value, d.descriptorOf(got.typeId)));
      assert.deepEqual(again, [got.value], name);
    }
  });

  it('decodes input fed one byte at a time', () => {
    for (const [name, bytes] of vectors) {
      const d = new Decoder();
      const out: unknown[] = [];
      for (const b of bytes) {
        d.feed(Uint8Array.of(b));
        out.push(...d.values());
      }
      assert.deepEqual(out, decodeAll(bytes), name);
    }
  });
});

describe('gob decoder, shared definitions', () => {
  it('decodes streams that open with the same definitions alike, and tells apart definitions one byte away', () => {
    const a = t.struct('Point', {X: t.int, Y: t.int});
    const b = t.struct('Point', {X: t.int, Z: t.int}); // same length, one letter different
    const first = decodeAll(new Encoder().encode({X: 1, Y: 2}, a));
    const again = decodeAll(new Encoder().encode({X: 3, Y: 4}, a));
    const other = decodeAll(new Encoder().encode({X: 5, Z: 6}, b));
    assert.deepEqual([first, again, other], [[{X: 1, Y: 2}], [{X: 3, Y: 4}], [{X: 5, Z: 6}]]);
  });

  it('still refuses a broken definition it has not seen before', () => {
    const good = Buffer.from(new Encoder().encode({X: 1}, t.struct('P', {X: t.int})));
    decodeAll(good);
    const broken = Buffer.from(good);
    broken[broken.indexOf(0x03, 3)] = 0x07; // the wireType's StructT field number becomes one that does not exist
    assert.throws(() => decodeAll(broken), GobError);
  });

  it('decodes short ASCII, non-ASCII, invalid UTF-8 and long strings alike', () => {
    const strs = t.struct('S', {A: t.string, B: t.string, C: t.string, D: t.string});
    const value = {A: 'ybndrfg8ejkmcpqxot1uwisza3', B: 'héllo ✓ 日本', C: 'x'.repeat(70), D: 'é'.repeat(40)};
    assert.deepEqual(decodeAll(new Encoder().encode(value, strs)), [value]);
    // Bytes that are not UTF-8 decode to replacement characters, as TextDecoder does.
    const raw = Buffer.from(new Encoder().encode('abXcd', t.string));
    raw[raw.length - 3] = 0xff; // X becomes a byte that is not UTF-8
    assert.equal(decodeAll(raw)[0], new TextDecoder().decode(Buffer.from([0x61, 0x62, 0xff, 0x63, 0x64])));
  });

  it('encodes a net/rpc header and body into one buffer as two encodes would', () => {
    const request = t.struct('Request', {ServiceMethod: t.string, Seq: t.uint});
    const body = t.struct('Args', {A: t.string});
    const pair = new Encoder().encodePair({ServiceMethod: 'Plugin.X', Seq: 1}, request, {A: 'x'}, body);
    const one = new Encoder();
    const two = Buffer.concat([one.encode({ServiceMethod: 'Plugin.X', Seq: 1}, request), one.encode({A: 'x'}, body)]);
    assert.equal(toHex(pair), toHex(two));
  });
});

describe('gob encoder', () => {
  it('matches Go byte for byte on the documented Point example', () => {
    const point = t.struct('Point', {X: t.int, Y: t.int});
    assert.equal(
      toHex(new Encoder().encode({X: 22, Y: 33}, point)),
      '1fff810301010550' + '6f696e7401ff820001020101580104000101590104000000' + '07ff82012c014200',
    );
  });

  it('matches Go byte for byte on a net/rpc request header', () => {
    const request = t.struct('Request', {ServiceMethod: t.string, Seq: t.uint});
    const enc = new Encoder();
    const first = enc.encode({ServiceMethod: 'Plugin.Implemented', Seq: 0}, request);
    assert.equal(
      toHex(first),
      '2fff81030101075265717565737401ff820001020' + '10d536572766963654d6574686f64010c00010353657101060000' + '00' + '17ff8201' + '12' + Buffer.from('Plugin.Implemented').toString('hex') + '00',
    );
    // Later values on the same stream reuse the definition.
    assert.equal(toHex(enc.encode({ServiceMethod: 'Plugin.Implemented', Seq: 8}, request)), '19ff820112' + Buffer.from('Plugin.Implemented').toString('hex') + '010800');
  });

  it('omits zero fields but keeps non-nil empty maps and nested structs', () => {
    const inner = t.struct('Inner', {A: t.int});
    const outer = t.struct('Outer', {N: t.int, S: t.string, B: t.bool, L: t.slice(t.string), M: t.map(t.string, t.string), I: inner, P: t.interface});
    const bytes = new Encoder().encode({N: 0, S: '', B: false, L: [], M: {}, I: {}, P: null}, outer);
    assert.deepEqual(decodeAll(bytes), [{M: {}, I: {}}]);
  });

  it('sends top-level zero values (singletons)', () => {
    assert.deepEqual(decodeAll(new Encoder().encode(0, t.int)), [0]);
    assert.deepEqual(decodeAll(new Encoder().encode('', t.string)), ['']);
    assert.deepEqual(decodeAll(new Encoder().encode(false, t.bool)), [false]);
  });

  it('round-trips every kind', () => {
    const all = t.struct('All', {
      B: t.bool,
      I: t.int,
      U: t.uint,
      F: t.float,
      C: t.complex,
      S: t.string,
      Y: t.bytes,
      A: t.array(t.int, 3),
      L: t.slice(t.slice(t.string)),
      M: t.map(t.int, t.string),
      H: t.map(t.string, t.slice(t.string)),
      X: t.interface,
      T: timeType,
      R: urlType,
      Big: t.uint,
      Neg: t.int,
    });
    const value = {
      B: true,
      I: -42,
      U: 42,
      F: 0.25,
      C: new GoComplex(1, -2),
      S: 'héllo 🌍',
      Y: Uint8Array.of(0, 1, 255),
      A: [1, 0, 3],
      L: [['a'], [], ['b', 'c']],
      M: new Map([[1, 'one'], [-2, 'minus two']]),
      H: {'Content-Type': ['application/json'], Accept: ['a', 'b']},
      X: {nested: [1, 'two', {three: true}], none: null},
      T: new GoTime(63650701800n, 123456789, null),
      R: new GoMarshaled('binary', 'URL', new TextEncoder().encode('/plugins/hookbridge/hooks/x?y=1')),
      Big: 2n ** 64n - 1n,
      Neg: -(2n ** 63n),
    };
    assert.deepEqual(roundTrip(value, all), value);
  });

  it('sends interface values under their registered Go names', () => {
    const appError = t.struct('AppError', {Id: t.string, StatusCode: t.int});
    const holder = t.struct('Z_OnActivateReturns', {A: t.interface});
    const bytes = new Encoder().encode({A: new GoInterface('*model.AppError', appError, {Id: 'x', StatusCode: 404})}, holder);
    assert.ok(Buffer.from(bytes).includes(Buffer.from('*model.AppError')));
    const [v] = decodeAll(bytes) as [{A: GoInterface}];
    assert.equal(v.A.name, '*model.AppError');
    assert.deepEqual(v.A.value, {Id: 'x', StatusCode: 404});
    const kinds = roundTrip({s: 's', b: true, f: 1.5, i: 7n, y: Uint8Array.of(1), l: [], m: {}}, t.map(t.string, t.interface)) as Record<string, unknown>;
    assert.deepEqual(kinds.i, new GoInterface('int64', t.int, 7));
    assert.deepEqual(kinds.y, new GoInterface('[]uint8', t.bytes, Uint8Array.of(1)));
  });

  it('handles recursive types', () => {
    const response = t.recursive('CommandResponse', (self) => ({Text: t.string, ExtraResponses: t.slice(self)}));
    const value = {Text: 'a', ExtraResponses: [{Text: 'b', ExtraResponses: [{Text: 'c'}]}]};
    assert.deepEqual(roundTrip(value, response), value);
  });

  it('defines each type once per stream and rolls back on failure', () => {
    const s = t.struct('S', {A: t.int});
    const enc = new Encoder();
    const first = enc.encode({A: 1}, s);
    assert.throws(() => enc.encode({A: 'nope'}, t.struct('T', {A: t.int})), /want int.*at A/);
    const second = enc.encode({A: 2}, t.struct('S', {A: t.int}));
    assert.ok(second.length < first.length, 'definition not repeated');
    const third = enc.encode({A: 3}, t.struct('T', {A: t.int}));
    const d = new Decoder();
    for (const b of [first, second, third]) d.feed(b);
    assert.deepEqual([...d.values()], [{A: 1}, {A: 2}, {A: 3}]);
  });

  it('checks every field kind of a struct and names the path to the field that failed', () => {
    const inner = t.struct('Inner', {Deep: t.slice(t.string)});
    const outer = t.struct('Outer', {B: t.bool, I: t.int, U: t.uint, F: t.float, S: t.string, Y: t.bytes, L: t.slice(inner), N: inner});
    const wrong: [string, Record<string, unknown>, RegExp][] = [
      ['bool', {B: 1}, /want bool, got number \(at B\)/],
      ['int', {I: '5'}, /want int, got string \(at I\)/],
      ['uint', {U: true}, /want uint, got boolean \(at U\)/],
      ['float', {F: 1n}, /want float, got bigint \(at F\)/],
      ['string', {S: 5}, /want string, got number \(at S\)/],
      ['bytes', {Y: [1, 2]}, /want \[\]byte, got Array \(at Y\)/],
      ['slice', {L: 'ab'}, /want slice, got string \(at L\)/],
      ['nested element', {L: [{Deep: ['ok', 7]}]}, /want string, got number \(at L\.Deep\)/],
      ['nil element', {L: [null]}, /nil element \(at L\)/],
      ['nested struct', {N: 'x'}, /want an object for struct Inner, got string \(at N\)/],
    ];
    for (const [what, value, message] of wrong) assert.throws(() => new Encoder().encode(value, outer), message, what);
    // Zero values of every kind are left out, whatever their JS spelling.
    assert.deepEqual(decodeAll(new Encoder().encode({B: false, I: 0n, U: 0, F: -0, S: '', Y: new Uint8Array(0), L: [], N: null}, outer)), [{}]);
    assert.deepEqual(decodeAll(new Encoder().encode({I: -1n, U: 2n ** 64n - 1n, F: Number.NaN, N: {Deep: ['', 'x']}}, outer)), [{I: -1, U: 2n ** 64n - 1n, F: Number.NaN, N: {Deep: ['', 'x']}}]);
  });

  it('refuses values it cannot represent', () => {
    assert.throws(() => new Encoder().encode({x: () => 1}, t.map(t.string, t.interface)), GobError);
    assert.throws(() => new Encoder().encode([null], t.slice(t.struct('S', {A: t.int}))), /nil element/);
    assert.throws(() => new Encoder().encode([1, 2], t.array(t.int, 3)), GobError);
  });
});

describe('gob, types met at run time', () => {
  it('keeps field names that look like code or like Object internals as plain data', () => {
    const names = ['__proto__', 'constructor', "a'b", 'c"d', 'e\\f', 'g\nh', '}); throw new Error("x"); ({', '${x}', 'toString', ''];
    const fields = Object.fromEntries(names.map((n) => [n, t.string]));
    const type = t.struct('Odd', fields);
    const value: Record<string, unknown> = {};
    for (const [i, n] of names.entries()) Object.defineProperty(value, n, {value: `v${i}`, enumerable: true});
    const bytes = new Encoder().encode(value, type);
    const d = new Decoder();
    d.feed(bytes);
    const decoded = d.decode()!;
    const out = decoded.value as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype, 'no prototype was set');
    for (const [i, n] of names.entries()) assert.equal(Object.getOwnPropertyDescriptor(out, n)?.value, `v${i}`, n);
    // Written back from the definitions it was read with, it is the same bytes.
    assert.equal(toHex(new Encoder().encode(out, d.descriptorOf(decoded.typeId))), toHex(bytes));
  });

  it('reads a struct with more fields than generated readers take, and a recursive one, as it writes them', () => {
    const wide = t.struct('Wide', Object.fromEntries(Array.from({length: 300}, (_, i) => [`F${i}`, i % 2 ? t.int : t.string])));
    const value = {F0: 'a', F1: 5, F298: 'z', F299: -7};
    assert.deepEqual(roundTrip(value, wide), value);
    const node = t.recursive('Node', (self) => ({Name: t.string, Kids: t.slice(self), Meta: t.map(t.string, t.interface)}));
    const tree = {Name: 'root', Kids: [{Name: 'a', Meta: {n: 1.5}}, {Name: 'b', Kids: [{Name: 'c'}]}]};
    assert.deepEqual(roundTrip(tree, node), tree);
    // Two recursive types on one stream: each slice of itself is a type of its own.
    const response = t.recursive('CommandResponse', (self) => ({Text: t.string, ExtraResponses: t.slice(self)}));
    const enc = new Encoder();
    const d = new Decoder();
    d.feed(enc.encode({Text: 'a', ExtraResponses: [{Text: 'b'}]}, response));
    d.feed(enc.encode(tree, node));
    assert.deepEqual([...d.values()], [{Text: 'a', ExtraResponses: [{Text: 'b'}]}, tree]);
  });

  it('prefixes nested values of every length with their byte count', () => {
    for (const n of [0, 1, 120, 124, 125, 126, 127, 128, 255, 256, 65_535, 65_536, 70_000]) {
      const text = 'x'.repeat(n);
      const bytes = new Encoder().encode({Note: text}, t.map(t.string, t.interface));
      assert.deepEqual(decodeAll(bytes), [{Note: text}], `length ${n}`);
    }
    // An interface's count covers its whole value: 0x0c then 00 + the string.
    const short = toHex(new Encoder().encode(['hi'], t.slice(t.interface)));
    assert.ok(short.endsWith('06737472696e670c0400026869'), short);
  });

  it('bounds nesting through interfaces with a GobError on both sides, not the call stack', () => {
    let json: unknown = 'leaf';
    for (let i = 0; i < 600; i++) json = {a: json};
    assert.throws(() => new Encoder().encode(json, t.map(t.string, t.interface)), (err: unknown) => err instanceof GobError && /nested more than 512 levels/.test(err.message));
    // The same nesting from a peer: a struct S{X interface{}} holding itself 5,000 times.
    const s = t.struct('S', {X: t.interface});
    const enc = new Encoder();
    const definition = enc.encode({}, s);
    const level = [0x01, 0x01, 0x53, 0xff, 0x82, 0x00]; // field 0: interface "S", type id 65, byte count (not read)
    const body = [0xff, 0x82, ...Array.from({length: 5000}, () => level).flat(), ...new Array<number>(5001).fill(0)];
    const message = new WriteBuffer();
    message.uint(body.length);
    message.raw(Uint8Array.from(body));
    const d = new Decoder();
    d.feed(definition);
    d.decode();
    d.feed(message.bytes());
    assert.throws(() => d.decode(), (err: unknown) => err instanceof GobError && /nested too deeply/.test(err.message));
    // Within the bound, the same shape is read.
    let ok: unknown = {};
    for (let i = 0; i < 100; i++) ok = {X: new GoInterface('S', s, ok)};
    const [back] = decodeAll(new Encoder().encode(ok, s)) as [{X: GoInterface}];
    assert.equal(back.X.name, 'S');
  });

  it('writes every string as its UTF-8 bytes after their count, as TextEncoder encodes it', () => {
    const strs = ['', 'a', 'é', 'x'.repeat(15), 'x'.repeat(16), 'ü'.repeat(15), 'y'.repeat(127), 'é'.repeat(63), 'é'.repeat(64), '日'.repeat(50), '日'.repeat(126), 'z'.repeat(128), '\ud800 lone', 'pair 😀 '.repeat(30), 'ascii then é'.repeat(9)];
    for (const str of strs) {
      const w = new WriteBuffer(4);
      w.string(str);
      const utf8 = new TextEncoder().encode(str);
      const expected = new WriteBuffer(4);
      expected.uint(utf8.length);
      expected.raw(utf8);
      assert.equal(toHex(w.bytes()), toHex(expected.bytes()), JSON.stringify(str.slice(0, 20)));
      assert.equal(new ReadBuffer(w.bytes()).string(), new TextDecoder().decode(utf8));
    }
  });

  it('decodes every string as sent, whichever strings it has seen before', () => {
    const alphabet = 'ab01';
    const strs: string[] = [];
    // Many short strings that share lengths and most bytes, so that they meet in the table of recent strings.
    for (let n = 0; n <= 6; n++) for (let k = 0; k < 200; k++) strs.push(Array.from({length: n}, (_, i) => alphabet[(k >> (2 * i)) & 3]).join(''));
    strs.push('é', 'aé', 'x'.repeat(64), 'x'.repeat(63) + 'y', 'x'.repeat(65));
    const list = t.slice(t.string);
    const d = new Decoder();
    const enc = new Encoder();
    for (let round = 0; round < 3; round++) d.feed(enc.encode(round === 1 ? [...strs].reverse() : strs, list));
    const [a, b, c] = [...d.values()] as string[][];
    assert.deepEqual(a, strs);
    assert.deepEqual(b, [...strs].reverse());
    assert.deepEqual(c, strs);
    // Latin-1 letters take two bytes each in UTF-8; find three whose string shares its table slot with
    // its own code points as single bytes (which are not UTF-8: each decodes to U+FFFD).
    let found: {utf8: Uint8Array; single: Uint8Array} | null = null;
    for (let x = 0xc0; x < 0x100 && !found; x++) {
      for (let y = 0xc0; y < 0x100 && !found; y++) {
        for (let z = 0xc0; z < 0x100 && !found; z++) {
          const single = Uint8Array.of(x, y, z);
          const utf8 = new TextEncoder().encode(String.fromCharCode(x, y, z));
          if (recentSlot(utf8, 0, utf8.length) === recentSlot(single, 0, 3)) found = {utf8, single};
        }
      }
    }
    assert.ok(found, 'a pair sharing a slot');
    const read = (bytes: Uint8Array): string => {
      const w = new WriteBuffer();
      w.byteSlice(bytes);
      return new ReadBuffer(w.bytes()).string();
    };
    assert.equal(read(found.utf8), new TextDecoder().decode(found.utf8));
    assert.equal(read(found.single), '\ufffd\ufffd\ufffd');
  });
});

describe('gob decoder on bad input', () => {
  function feedAll(bytes: Uint8Array): void {
    const d = new Decoder({maxMessageSize: 1 << 20});
    d.feed(bytes);
    for (let i = 0; i < 100 && d.decode(); i++);
  }

  it('reports truncated and corrupted vectors as GobError, never another exception', () => {
    let errors = 0;
    for (const [, bytes] of vectors) {
      for (let cut = 1; cut < bytes.length; cut++) {
        // A truncated message is incomplete, not wrong: it must wait, not throw.
        const d = new Decoder();
        d.feed(bytes.subarray(0, cut));
        try {
          [...d.values()];
        } catch (err) {
          assert.ok(err instanceof GobError, `${String(err)}`);
          errors++;
        }
      }
      for (let i = 0; i < bytes.length; i++) {
        for (const flip of [0x01, 0x80, 0xff]) {
          const bad = Uint8Array.from(bytes);
          bad[i]! ^= flip;
          try {
            feedAll(bad);
          } catch (err) {
            assert.ok(err instanceof GobError, `${String(err)} at byte ${i}`);
            errors++;
          }
        }
      }
    }
    assert.ok(errors > 0);
  });

  it('survives random bytes', () => {
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 3000; i++) {
      const len = 1 + Math.floor(rand() * 200);
      const bytes = new Uint8Array(len);
      for (let j = 0; j < len; j++) bytes[j] = Math.floor(rand() * 256);
      if (rand() < 0.5) bytes[0] = len - 1; // a plausible length prefix
      try {
        feedAll(bytes);
      } catch (err) {
        assert.ok(err instanceof GobError, String(err));
      }
    }
  });

  it('refuses oversized messages and duplicate type ids', () => {
    const d = new Decoder({maxMessageSize: 100});
    assert.throws(() => d.feed(hex('fe0fff')), /exceeds/);
    const dup = new Decoder();
    const def = hex('0eff8d040102ff8e00010c01100000');
    dup.feed(def);
    dup.feed(def);
    dup.feed(hex('0eff8d040102ff8e00010c01100000'));
    assert.throws(() => [...dup.values()], /duplicate/);
  });
});
