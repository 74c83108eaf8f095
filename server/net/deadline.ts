// One request's deadline as a cancellation signal: the subset of AbortSignal the
// HTTP client and its connection pool use, built on a plain timer. Node's
// AbortSignal.timeout costs about as much as the rest of sending a request.

/** What the pool needs of a signal; AbortSignal has it too. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: {once?: boolean}): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export class Deadline implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];
  private timer: NodeJS.Timeout | null;

  constructor(ms: number, reason: () => Error) {
    this.timer = setTimeout(() => this.abort(reason()), Math.max(1, ms));
    // A pending request keeps the process alive by its socket, not by its deadline.
    this.timer.unref?.();
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.clearTimer();
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l();
  }

  /** The exchange is over: the timer goes, and nothing will be told any more. */
  finish(): void {
    this.clearTimer();
    this.listeners = [];
  }

  addEventListener(_type: 'abort', listener: () => void, _options?: {once?: boolean}): void {
    // Every listener here is a once listener: abort() drops them all as it calls them.
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
