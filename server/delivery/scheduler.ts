// Which waiting job runs next: round-robin across hooks, first-in first-out
// within a hook, at most `perHook` running per hook. Every operation is O(1)
// amortised per job (a hook at its cap is skipped, not re-sorted), so a long
// backlog costs nothing per enqueue or completion.

class Fifo<E> {
  private items: (E | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(e: E): void {
    this.items.push(e);
  }

  shift(): E | undefined {
    if (this.head >= this.items.length) return undefined;
    const e = this.items[this.head];
    this.items[this.head++] = undefined;
    // Drop the consumed front once it dominates, so memory follows the backlog.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return e;
  }

  drain(): E[] {
    const out = this.items.slice(this.head) as E[];
    this.items = [];
    this.head = 0;
    return out;
  }
}

export class FairScheduler<E> {
  private readonly waiting = new Map<string, Fifo<E>>();
  /** Hooks with waiting jobs, in the order they get their next turn. */
  private ring: string[] = [];
  private readonly running = new Map<string, number>();
  private count = 0;

  constructor(private readonly perHook: number) {}

  /** Jobs waiting (not running). */
  get size(): number {
    return this.count;
  }

  add(hook: string, e: E): void {
    let q = this.waiting.get(hook);
    if (!q) {
      this.waiting.set(hook, (q = new Fifo<E>()));
      this.ring.push(hook);
    }
    q.push(e);
    this.count++;
  }

  /** The next job to run, or null when every waiting hook is at its cap. Marks it running. */
  take(): {hook: string; job: E} | null {
    for (let tries = this.ring.length; tries > 0; tries--) {
      const hook = this.ring.shift()!;
      const q = this.waiting.get(hook)!;
      if ((this.running.get(hook) ?? 0) >= this.perHook) {
        this.ring.push(hook);
        continue;
      }
      const job = q.shift()!;
      this.count--;
      this.running.set(hook, (this.running.get(hook) ?? 0) + 1);
      if (q.size > 0) this.ring.push(hook);
      else this.waiting.delete(hook);
      return {hook, job};
    }
    return null;
  }

  /** A job taken with take() finished. */
  done(hook: string): void {
    const n = (this.running.get(hook) ?? 1) - 1;
    if (n > 0) this.running.set(hook, n);
    else this.running.delete(hook);
  }

  /** Removes every waiting job (running ones stay counted until done()). */
  clear(): E[] {
    const out: E[] = [];
    for (const q of this.waiting.values()) out.push(...q.drain());
    this.waiting.clear();
    this.ring = [];
    this.count = 0;
    return out;
  }
}
