import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {PerfScriptParser, Splitter, report, type Sample} from './oncpu.js';

const dir = mkdtempSync(join(tmpdir(), 'oncpu-'));
after(() => rmSync(dir, {recursive: true, force: true}));

// A bundle as esbuild writes it: each module starts with a `// path` line.
const bundle = join(dir, 'plugin.cjs');
writeFileSync(bundle, ['"use strict";', '', '// server/wire/gob/encoder.ts', 'function item() {}', '', '// server/delivery/log.ts', 'function settle() {}', ''].join('\n'));

// `perf script -F pid,tid,time,ip,sym,dso` with call chains, innermost frame first.
const script = `
100/100 10.000100:
\tffffffff8223c951 do_writev ([kernel.kallsyms])
\tffffffff8223c952 do_syscall_64 ([kernel.kallsyms])
\tffffffff81000130 entry_SYSCALL_64_after_hwframe ([kernel.kallsyms])
\t           d4ad7 __GI___writev (/usr/lib/x86_64-linux-gnu/libc.so.6)
\t    7f00000010 JS:*writeOrBuffer node:internal/streams/writable:548:23 (/tmp/perf-100.map)
\t    7f00000020 JS:*settle ${bundle}:7:3 (/tmp/perf-100.map)

100/100 10.001100:
\t    7f00000030 JS:*item ${bundle}:4:1 (/tmp/perf-100.map)
\t    7f00000040 JS:~ ${bundle}:7:1 (/tmp/perf-100.map)

100/100 10.002100:
\t          1234 v8::internal::Scavenger::ScavengeObject (/usr/bin/node)
\t          1235 node::SpinEventLoop (/usr/bin/node)

100/101 10.003100:
\t          2234 v8::internal::compiler::GraphReducer::ReduceTop (/usr/bin/node)
\t          2235 v8::internal::OptimizingCompileDispatcher::CompileNext (/usr/bin/node)

100/102 10.004100:
\t          3234 v8::internal::Scavenger::ScavengePage (/usr/bin/node)

100/100 10.005100:
\tffffffff815ff42d handle_mm_fault ([kernel.kallsyms])
\tffffffff822424d6 exc_page_fault ([kernel.kallsyms])
\tffffffff81000c82 asm_exc_page_fault ([kernel.kallsyms])
\t    7f00000050 JS:*item ${bundle}:4:9 (/tmp/perf-100.map)

200/200 10.006100:
\t    7f00000060 JS:*other /elsewhere.js:1:1 (/tmp/perf-200.map)

100/100 9.000000:
\t    7f00000070 JS:*early ${bundle}:7:1 (/tmp/perf-100.map)
`;

function samples(text: string): Sample[] {
  const out: Sample[] = [];
  const parser = new PerfScriptParser((s) => out.push(s));
  for (const line of text.split('\n')) parser.line(line);
  parser.flush();
  return out;
}

describe('on-CPU split of perf samples', () => {
  it('parses each sample with its pid, thread, time and frames', () => {
    const all = samples(script);
    assert.equal(all.length, 8);
    assert.deepEqual(
      all.map((s) => [s.pid, s.tid, s.frames.length]),
      [
        [100, 100, 6],
        [100, 100, 2],
        [100, 100, 2],
        [100, 101, 2],
        [100, 102, 1],
        [100, 100, 4],
        [200, 200, 1],
        [100, 100, 1],
      ],
    );
    assert.equal(all[0]!.time, 10.0001);
    assert.deepEqual(all[0]!.frames[3], {symbol: '__GI___writev', dso: '/usr/lib/x86_64-linux-gnu/libc.so.6'});
  });

  it("splits one process's samples by thread and kind, from the given time", () => {
    const splitter = new Splitter(100, 10);
    for (const s of samples(script)) splitter.add(s);
    const {split} = splitter;
    assert.equal(split.samples, 6, 'the other process and the sample before the start are left out');
    assert.deepEqual(Object.fromEntries(split.categories), {
      'main: kernel': 2,
      'main: JavaScript and builtins': 1,
      'main: native, no JavaScript above': 1,
      'helpers: compiling': 1,
      'helpers: garbage collection': 1,
    });
    assert.deepEqual(Object.fromEntries(split.kernel), {'syscall writev': 1, 'page fault': 1});
  });

  it('charges each main-thread sample to its innermost JavaScript function, by bundled module', () => {
    const splitter = new Splitter(100, 10);
    for (const s of samples(script)) splitter.add(s);
    const {split} = splitter;
    assert.deepEqual(Object.fromEntries(split.functions), {
      'writeOrBuffer writable': 1,
      'item server/wire/gob/encoder.ts': 2,
    });
    assert.deepEqual(Object.fromEntries(split.files), {writable: 1, 'server/wire/gob/encoder.ts': 2});
    const text = report(split);
    assert.match(text, /^6 samples/);
    assert.match(text, / 33\.3%  item server\/wire\/gob\/encoder\.ts/);
    assert.match(text, / 16\.7%  helpers: compiling/);
  });
});
