// A set of things in flight (background work, pending writes) that come and go
// all the time: each member gets a slot number when it is added, and is removed
// by that number.
//
// Why not a Set: like a Map, a Set never reuses a deleted entry's slot and is
// rebuilt every few hundred adds, and a rebuilt-away table in the old generation
// keeps what it pointed to alive through young-generation collections (see
// int-map.ts). A promise kept alive that way keeps its whole request with it.
// Here a freed slot is reused, so a set of steady size never reallocates.

export class SlotSet<T> {
  private slots: (T | undefined)[] = new Array<T | undefined>(16).fill(undefined);
  /** Slots below this have been handed out at least once. */
  private used = 0;
  private readonly free: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `value`; the returned slot removes it. */
  add(value: T): number {
    if (value === undefined) throw new TypeError("a SlotSet holds no undefined");
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === this.slots.length) this.grow();
      slot = this.used++;
    }
    this.slots[slot] = value;
    this.count++;
    return slot;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < old.length; i++) this.slots[i] = old[i];
    // The old array is garbage now: it must not keep its members alive until then.
    old.fill(undefined);
  }

  /** Removes what `slot` holds; false when it holds nothing. */
  delete(slot: number): boolean {
    if (slot >= this.used || this.slots[slot] === undefined) return false;
    this.slots[slot] = undefined;
    this.free.push(slot);
    this.count--;
    return true;
  }

  /** The members now, as an array (members added or removed later do not change it). */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.used; i++) {
      const v = this.slots[i];
      if (v !== undefined) out.push(v);
    }
    return out;
  }
}

/** Keeps `work` in `set` until it settles. */
export function trackUntilSettled<T>(set: SlotSet<Promise<T>>, work: Promise<T>): Promise<T> {
  const slot = set.add(work);
  const release = (): void => {
    set.delete(slot);
  };
  work.then(release, release);
  return work;
}
