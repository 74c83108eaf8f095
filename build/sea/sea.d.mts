export declare const SEA_FUSE: string;

export interface SeaOptions {
  /** The single CommonJS file to embed. */
  bundle: string;
  /** `linux-amd64` or `linux-arm64`. */
  platform: string;
  /** Where the executable goes; written atomically. */
  out: string;
  /** Folder that caches downloaded Node binaries. */
  cacheDir: string;
  log?: (message: string) => void;
}

export interface SeaResult {
  path: string;
  platform: string;
  bytes: number;
  stripped: boolean;
  nodeVersion: string;
  nodeLicense: string | undefined;
}

export declare function buildSea(options: SeaOptions): Promise<SeaResult>;
