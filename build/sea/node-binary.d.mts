export declare const NODE_VERSION: string;

export interface PlatformInfo {
  readonly os: string;
  readonly cpu: string;
  /** ELF e_machine of the binary: 62 for x86-64, 183 for AArch64. */
  readonly elfMachine: number;
}

/** The platforms a bundle can carry, keyed the way plugin.json keys `server.executables`. */
export declare const PLATFORMS: Readonly<Record<'linux-amd64' | 'linux-arm64', PlatformInfo>>;

export declare function hostPlatform(): string;

export interface NodeBinaryOptions {
  /** Mattermost-style platform, e.g. `linux-amd64`. */
  platform: string;
  cacheDir: string;
  version?: string;
  log?: (message: string) => void;
}

export interface NodeBinary {
  path: string;
  dir: string;
  platform: string;
  version: string;
  /** False when the binary came from the cache. */
  downloaded: boolean;
  /** Node's LICENSE file, which has to travel with the binary. */
  license: string | undefined;
}

export declare function ensureNodeBinary(options: NodeBinaryOptions): Promise<NodeBinary>;
