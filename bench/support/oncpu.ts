// Where the benchmark processes spend CPU, from a system-wide `perf record`
// of cpu-clock samples (bench/README.md, "Profiling"). A V8 .cpuprofile samples
// a thread by wall time, so a thread preempted inside a syscall (a write that
// wakes the reader on this core) is charged to that syscall; cpu-clock samples
// are only taken while a thread runs. This reads `perf script -F
// pid,tid,time,ip,sym,dso` output (with call chains) and, for one process,
// splits its samples into the main thread's JavaScript, native code and kernel
// time and its helper threads' compilation and garbage collection, then ranks
// the innermost JavaScript function of each main-thread sample (so the
// builtins, native code and syscalls it called are counted with it).
//
// Usage: node --import tsx bench/support/oncpu.ts <perf-script.txt> [pid|role] [--skip=<s>] [--top=<n>]
// Without a pid it lists the Node processes, named after what their
// /tmp/perf-<pid>.map (written by --perf-basic-prof) shows they ran.

import {createReadStream, existsSync, readFileSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {pathToFileURL} from 'node:url';

export interface Frame {
  symbol: string;
  dso: string;
}

export interface Sample {
  pid: number;
  tid: number;
  /** Seconds, perf's clock. */
  time: number;
  /** Innermost first. */
  frames: Frame[];
}

const HEADER = /^\s*(\d+)\/(\d+)\s+(\d+\.\d+):?\s*$/;
const FRAME = /^\s+[0-9a-f]+ (.*) \((.*)\)$/;

/** Samples from `perf script -F pid,tid,time,ip,sym,dso` lines, one callback per sample. */
export class PerfScriptParser {
  private current: Sample | null = null;

  constructor(private readonly onSample: (s: Sample) => void) {}

  line(text: string): void {
    if (text.trim() === '') return this.flush();
    const header = HEADER.exec(text);
    if (header) {
      this.flush();
      this.current = {pid: Number(header[1]), tid: Number(header[2]), time: Number(header[3]), frames: []};
      return;
    }
    const frame = FRAME.exec(text);
    if (frame && this.current) this.current.frames.push({symbol: frame[1]!, dso: frame[2]!});
  }

  flush(): void {
    if (this.current && this.current.frames.length > 0) this.onSample(this.current);
    this.current = null;
  }
}

export type Category = 'main: JavaScript and builtins' | 'main: native, no JavaScript above' | 'main: kernel' | 'helpers: compiling' | 'helpers: garbage collection' | 'helpers: other';

export interface Split {
  samples: number;
  categories: Map<Category, number>;
  /** Main-thread kernel samples by the syscall (or fault) they are in. */
  kernel: Map<string, number>;
  /** Main-thread samples by their innermost JavaScript function ("name file"). */
  functions: Map<string, number>;
  /** The same, by file. */
  files: Map<string, number>;
}

const isKernel = (f: Frame): boolean => f.dso.includes('kernel');
const JS = /^JS:[*~^+]?(\S*) (\S+?)(?::(\d+))?(?::\d+)?$/;

/** For a bundle (esbuild marks each module with a `// path.ts` line): the module each line belongs to. */
const bundles = new Map<string, {line: number; module: string}[] | null>();

function moduleOf(path: string, line: number): string | null {
  let marks = bundles.get(path);
  if (marks === undefined) {
    marks = null;
    const file = path.startsWith('file://') ? new URL(path).pathname : path;
    if (file.endsWith('.cjs') && existsSync(file)) {
      const found: {line: number; module: string}[] = [];
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const m = /^\/\/ (\S+\.[cm]?[jt]sx?)$/.exec(text);
          if (m) found.push({line: i + 1, module: m[1]!});
        });
      if (found.length > 0) marks = found;
    }
    bundles.set(path, marks);
  }
  if (!marks) return null;
  let module: string | null = null;
  for (const mark of marks) {
    if (mark.line > line) break;
    module = mark.module;
  }
  return module;
}

function jsFrame(frames: readonly Frame[]): {name: string; file: string} | null {
  for (const f of frames) {
    if (!f.symbol.startsWith('JS:')) continue;
    const m = JS.exec(f.symbol);
    const path = m?.[2] ?? '?';
    const file = (m?.[3] ? moduleOf(path, Number(m[3])) : null) ?? path.split('/').pop()!;
    return {name: m?.[1] || '(anonymous)', file};
  }
  return null;
}

function kernelCause(frames: readonly Frame[]): string {
  const kernel = frames.filter(isKernel).map((f) => f.symbol);
  if (kernel.some((k) => k.includes('page_fault'))) return 'page fault';
  const entry = kernel.indexOf('do_syscall_64');
  if (entry > 0) {
    // The frame just inside the syscall entry names the call (__x64_sys_read, ksys_write, do_writev).
    const inner = kernel[entry - 1]!;
    const name = /^(?:__x64_sys_|__do_sys_|ksys_|do_)(\w+)$/.exec(inner);
    if (name) return `syscall ${name[1]}`;
    if (inner.startsWith('exit_to_user_mode')) return 'leaving a syscall (scheduling, signals)';
    return 'syscall entry and exit';
  }
  return 'interrupts and other';
}

function helperKind(frames: readonly Frame[]): Category {
  for (const f of frames) {
    if (/Compil|TurboFan|Maglev/.test(f.symbol)) return 'helpers: compiling';
    if (/Scaveng|Marking|Sweep|Heap::|GCTracer|Evacuat|Compactor/.test(f.symbol)) return 'helpers: garbage collection';
  }
  return 'helpers: other';
}

function bump<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** Splits one process's samples (its main thread's id is its pid). */
export class Splitter {
  readonly split: Split = {samples: 0, categories: new Map(), kernel: new Map(), functions: new Map(), files: new Map()};

  constructor(
    private readonly pid: number,
    /** Samples before this perf time are left out (start-up, warm-up). */
    private readonly from = 0,
  ) {}

  add(s: Sample): void {
    if (s.pid !== this.pid || s.time < this.from) return;
    const split = this.split;
    split.samples++;
    if (s.tid !== s.pid) {
      bump(split.categories, helperKind(s.frames));
      return;
    }
    const js = jsFrame(s.frames);
    if (isKernel(s.frames[0]!)) {
      bump(split.categories, 'main: kernel');
      bump(split.kernel, kernelCause(s.frames));
    } else bump(split.categories, js ? 'main: JavaScript and builtins' : 'main: native, no JavaScript above');
    if (js) {
      bump(split.functions, `${js.name} ${js.file}`);
      bump(split.files, js.file);
    }
  }
}

/** What a Node process ran, from the code its perf map names. */
export function roleOf(pid: number, mapDir = '/tmp'): string {
  const path = `${mapDir}/perf-${pid}.map`;
  if (!existsSync(path)) return 'unknown';
  const text = readFileSync(path, 'utf8');
  const roles: [string, string][] = [
    ['plugin.cjs', 'plugin'],
    ['sandbox-host.ts', 'host'],
    ['bare-server.ts', 'bare server'],
    ['bare-sender.ts', 'bare sender'],
    ['bench/run.ts', 'benchmark (load generator, receiver)'],
  ];
  return roles.find(([needle]) => text.includes(needle))?.[1] ?? 'unknown';
}

function table(title: string, m: Map<string, number>, total: number, top: number): string {
  const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [title, ...rows.map(([k, v]) => `  ${((v * 100) / total).toFixed(1).padStart(5)}%  ${k}`)].join('\n');
}

export function report(split: Split, top = 30): string {
  const n = split.samples || 1;
  return [
    `${split.samples} samples`,
    table('by thread and kind:', split.categories, n, 10),
    table('main thread in the kernel, by cause:', split.kernel, n, 8),
    table('main thread by innermost JavaScript file:', split.files, n, top),
    table('main thread by innermost JavaScript function:', split.functions, n, top),
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [path, target] = argv.filter((a) => !a.startsWith('--'));
  const option = (name: string, fallback: number): number => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  if (!path) throw new Error('usage: oncpu.ts <perf-script.txt> [pid|role] [--skip=<s>] [--top=<n>]');
  const read = async (each: (s: Sample) => void): Promise<void> => {
    const parser = new PerfScriptParser(each);
    for await (const line of createInterface({input: createReadStream(path), crlfDelay: Infinity})) parser.line(line);
    parser.flush();
  };
  let start = Infinity;
  const perPid = new Map<number, number>();
  await read((s) => {
    start = Math.min(start, s.time);
    if (s.pid !== 0) bump(perPid, s.pid);
  });
  const pids = [...perPid].filter(([pid]) => roleOf(pid) !== 'unknown' || existsSync(`/tmp/perf-${pid}.map`));
  const chosen = target === undefined ? undefined : /^\d+$/.test(target) ? Number(target) : pids.find(([pid]) => roleOf(pid) === target)?.[0];
  if (chosen === undefined) {
    if (target !== undefined) console.log(`no process ran "${target}"`);
    for (const [pid, count] of pids.sort((a, b) => b[1] - a[1])) console.log(`${String(pid).padStart(8)}  ${String(count).padStart(7)} samples  ${roleOf(pid)}`);
    return;
  }
  const splitter = new Splitter(chosen, start + option('skip', 0));
  await read((s) => splitter.add(s));
  console.log(`pid ${chosen} (${roleOf(chosen)}), from ${option('skip', 0)} s after the first sample: ${report(splitter.split, option('top', 30))}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
