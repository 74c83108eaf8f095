// The embedded store on disk: one JSON snapshot of the in-memory Mattermost,
// written atomically (temporary file, fsync, rename) a moment after changes, so a
// burst of KV writes costs one write and a crash never leaves half a file.

import {closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import type {MemoryMattermost} from '../../server/mattermost/memory.js';

export const SNAPSHOT_FILE = 'store.json';
const FORMAT = 1;

export class Snapshots {
  private timer: NodeJS.Timeout | null = null;
  readonly file: string;

  constructor(
    readonly dir: string,
    private readonly mm: MemoryMattermost,
    private readonly debounceMs = 250,
    private readonly onError: (err: unknown) => void = () => {},
    /** false: never write (the store lives in memory only). */
    private readonly enabled = true,
  ) {
    this.file = join(dir, SNAPSHOT_FILE);
  }

  /** Loads the snapshot into the store; false when there is none yet. */
  load(): boolean {
    if (!existsSync(this.file)) return false;
    const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as {format?: number; store?: unknown};
    if (parsed.format !== FORMAT || typeof parsed.store !== 'object' || parsed.store === null) {
      throw new Error(`${this.file} is not a sandbox snapshot (format ${String(parsed.format)})`);
    }
    this.mm.load(parsed.store as ReturnType<MemoryMattermost['toJSON']>);
    return true;
  }

  /** Something changed: write soon. */
  schedule(): void {
    if (this.timer || !this.enabled) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      try {
        this.flush();
      } catch (err) {
        this.onError(err);
      }
    }, this.debounceMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.enabled) return;
    mkdirSync(this.dir, {recursive: true});
    const data = JSON.stringify({format: FORMAT, savedAt: new Date().toISOString(), store: this.mm.toJSON()}, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}
