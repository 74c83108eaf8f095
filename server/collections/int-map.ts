// A map from non-negative integer ids to values, for tables whose entries come and
// go all the time: open streams by id, calls waiting for their reply by sequence
// number, broker ids waiting for their stream.
//
// Why not a Map: V8's Map never reuses a deleted entry's slot, so a Map whose
// entries keep turning over is rebuilt into a new table every few hundred
// inserts. The table it leaves behind is garbage, but once it lives in the old
// generation it is only freed by a full collection, and until then every young
// object it still points to is treated as alive by the young-generation
// collector, and promoted, with everything that object points to (a stream, its
// request, its response...). A Map of stream ids made a fifth of everything a
// request allocated survive to the old generation, and each young collection
// copy it: long pauses, and most of the garbage collector's time.
//
// Here a slot is reused in place (linear probing, and deletion moves the entries
// behind it back instead of leaving a tombstone), so a table of steady size is
// never rebuilt; when it does grow, the old arrays are cleared.

const EMPTY = -1;
const MIN_CAPACITY = 16;

export class IntMap<V> {
  // Plain arrays, not a Float64Array: a typed array's buffer costs microseconds to
  // allocate, and a table is made per RPC client, one of which lives per request.
  private keys: number[];
  private vals: (V | undefined)[];
  private mask: number;
  private count = 0;

  constructor(capacity = MIN_CAPACITY) {
    let n = MIN_CAPACITY;
    while (n < capacity * 2) n *= 2;
    this.keys = new Array<number>(n).fill(EMPTY);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  private home(key: number): number {
    // Ids usually count up (by 2 for yamux streams): spread them over the table.
    const lo = key >>> 0;
    const hi = (key / 0x100000000) >>> 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> 0 & this.mask;
  }

  private slot(key: number): number {
    const keys = this.keys;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = keys[i]!;
      if (k === key) return i;
      if (k === EMPTY) return -1;
    }
  }

  get(key: number): V | undefined {
    const i = this.slot(key);
    return i < 0 ? undefined : this.vals[i];
  }

  has(key: number): boolean {
    return this.slot(key) >= 0;
  }

  set(key: number, value: V): this {
    if (!Number.isInteger(key) || key < 0 || key > Number.MAX_SAFE_INTEGER) throw new RangeError(`IntMap keys are non-negative safe integers, not ${key}`);
    const keys = this.keys;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = keys[i]!;
      if (k === key) {
        this.vals[i] = value;
        return this;
      }
      if (k === EMPTY) {
        keys[i] = key;
        this.vals[i] = value;
        if (++this.count * 2 > this.mask + 1) this.grow();
        return this;
      }
    }
  }

  delete(key: number): boolean {
    let i = this.slot(key);
    if (i < 0) return false;
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    // Backward-shift deletion: pull later entries of the probe run into the hole
    // when their home allows it, so lookups never need tombstones.
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const h = this.home(keys[j]!);
      // j's entry may move to i if its home is not cyclically within (i, j].
      const movable = i <= j ? h <= i || h > j : h <= i && h > j;
      if (movable) {
        keys[i] = keys[j]!;
        vals[i] = vals[j];
        i = j;
      }
    }
    keys[i] = EMPTY;
    vals[i] = undefined;
    this.count--;
    return true;
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.vals.fill(undefined);
    this.count = 0;
  }

  // The iterators walk the slots as they are: a delete moves entries between slots,
  // so a caller that changes the map while going through it copies it first.

  *values(): IterableIterator<V> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== EMPTY) yield this.vals[i] as V;
  }

  *entries(): IterableIterator<[number, V]> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== EMPTY) yield [this.keys[i]!, this.vals[i] as V];
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const n = oldKeys.length * 2;
    this.keys = new Array<number>(n).fill(EMPTY);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.mask = n - 1;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] === EMPTY) continue;
      this.set(oldKeys[i]!, oldVals[i] as V);
    }
    // The old array is garbage now: it must not keep its values alive until then.
    oldVals.fill(undefined);
  }
}
