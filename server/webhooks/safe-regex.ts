// Regular-expression triggers without letting one pattern stall the plugin.
// Patterns are vetted when saved (no backreferences, no quantified groups that
// contain an unbounded quantifier, the classic catastrophic-backtracking shape),
// and every evaluation runs in a VM context with a time budget and on a bounded
// prefix of the message, which covers whatever the static check cannot see.

import vm from 'node:vm';

export const MAX_PATTERN_LENGTH = 512;
/** Regex triggers look at this many characters of a message at most. */
export const MAX_REGEX_INPUT = 4000;
export const DEFAULT_REGEX_BUDGET_MS = 50;

/** Flags used everywhere a trigger pattern is compiled, the webapp's check included. */
export function patternFlags(caseInsensitive: boolean): string {
  return caseInsensitive ? 'i' : '';
}

export function compilePattern(pattern: string, caseInsensitive: boolean): RegExp {
  return new RegExp(pattern, patternFlags(caseInsensitive));
}

interface Frame {
  /** The group contains an unbounded quantifier somewhere inside. */
  unbounded: boolean;
}

/** Length of the quantifier starting at `i`, and whether it is unbounded; 0 when there is none. */
function quantifierAt(p: string, i: number): {length: number; unbounded: boolean} {
  const c = p[i];
  if (c === '*' || c === '+') return {length: 1 + (p[i + 1] === '?' ? 1 : 0), unbounded: true};
  if (c === '?') return {length: 1 + (p[i + 1] === '?' ? 1 : 0), unbounded: false};
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}\??/.exec(p.slice(i));
    if (!m) return {length: 0, unbounded: false};
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    // Large bounded repeats backtrack like unbounded ones.
    return {length: m[0].length, unbounded: max === Infinity || max - min > 100};
  }
  return {length: 0, unbounded: false};
}

/** Why a pattern is refused (it does not compile, or it can backtrack catastrophically), or null when it is acceptable. */
export function checkPattern(pattern: string, caseInsensitive = false): string | null {
  if (pattern.length === 0) return 'Enter a regular expression.';
  if (pattern.length > MAX_PATTERN_LENGTH) return `The pattern must be at most ${MAX_PATTERN_LENGTH} characters.`;
  try {
    compilePattern(pattern, caseInsensitive);
  } catch (err) {
    return `The pattern does not compile: ${err instanceof Error ? err.message : String(err)}`;
  }
  const stack: Frame[] = [{unbounded: false}];
  // Consumes a quantifier following the atom that ends at `i`; returns the new position.
  const quantify = (i: number): number => {
    const q = quantifierAt(pattern, i + 1);
    if (q.unbounded) stack[stack.length - 1]!.unbounded = true;
    return i + q.length;
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && pattern[i + 2] === '<')) return 'Backreferences are not allowed in trigger patterns: they make matching time unpredictable.';
      i = quantify(i + 1);
    } else if (c === '[') {
      // In non-unicode patterns the first `]` always closes the class.
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
      i = quantify(i);
    } else if (c === '(') {
      stack.push({unbounded: false});
      if (pattern[i + 1] === '?') {
        const m = /^\?(:|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(pattern.slice(i + 1));
        if (m) i += m[0].length;
      }
    } else if (c === ')') {
      const inner = stack.pop()!;
      const q = quantifierAt(pattern, i + 1);
      if (q.unbounded && inner.unbounded) return 'Nested quantifiers such as (a+)+ are not allowed in trigger patterns: they can take exponential time.';
      const parent = stack[stack.length - 1]!;
      parent.unbounded ||= inner.unbounded || q.unbounded;
      i += q.length;
    } else {
      i = quantify(i);
    }
  }
  return null;
}

export interface RegexItem {
  readonly id: string;
  readonly re: RegExp;
}

/** Runs trigger patterns against a message inside a time budget. */
export class RegexRunner {
  private readonly context = vm.createContext({items: [] as RegexItem[], input: '', out: [] as (string | null)[]});
  private readonly script = new vm.Script('out = items.map(function (it) { var m = it.re.exec(input); return m ? m[0] : null; });');
  private readonly budgetMs: number;
  private readonly maxInput: number;
  private readonly onTimeout: (id: string) => void;

  constructor(options: {budgetMs?: number; maxInput?: number; onTimeout?: (id: string) => void} = {}) {
    this.budgetMs = options.budgetMs ?? DEFAULT_REGEX_BUDGET_MS;
    this.maxInput = options.maxInput ?? MAX_REGEX_INPUT;
    this.onTimeout = options.onTimeout ?? (() => {});
  }

  /** The matched text per item, or null where the pattern did not match (or ran out of time). */
  run(items: readonly RegexItem[], text: string): Map<string, string | null> {
    const out = new Map<string, string | null>();
    if (items.length === 0) return out;
    const input = text.length > this.maxInput ? text.slice(0, this.maxInput) : text;
    const batch = this.exec(items, input);
    if (batch) {
      items.forEach((it, i) => out.set(it.id, batch[i] ?? null));
      return out;
    }
    // One pattern blew the budget: find it by running each on its own.
    for (const it of items) {
      const single = this.exec([it], input);
      if (!single) this.onTimeout(it.id);
      out.set(it.id, single?.[0] ?? null);
    }
    return out;
  }

  private exec(items: readonly RegexItem[], input: string): (string | null)[] | null {
    const ctx = this.context as {items: readonly RegexItem[]; input: string; out: (string | null)[]};
    ctx.items = items;
    ctx.input = input;
    try {
      this.script.runInContext(this.context, {timeout: this.budgetMs});
      return Array.from(ctx.out);
    } catch (err) {
      if ((err as {code?: string}).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return null;
      throw err;
    } finally {
      ctx.items = [];
      ctx.input = '';
    }
  }
}
