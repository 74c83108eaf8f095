export type TarEntry =
  | {path: string; type: 'dir'; mode?: number}
  | {path: string; type: 'file'; source: string; mode?: number}
  | {path: string; type: 'file'; data: Uint8Array; mode?: number};

export interface TarOptions {
  /** Seconds since the epoch for every entry; defaults to SOURCE_DATE_EPOCH or 2000-01-01. */
  mtime?: number;
  /** gzip level, 9 unless given. */
  level?: number;
}

export declare const DEFAULT_MTIME: number;
export declare function splitUstarPath(path: string): {prefix: string; name: string} | undefined;
/** Resolves to the archive paths written, parents included, in archive order. */
export declare function writeTarGz(outFile: string, entries: ReadonlyArray<TarEntry>, options?: TarOptions): Promise<string[]>;
export declare function listTree(sourceDir: string, archiveDir: string): Promise<TarEntry[]>;
