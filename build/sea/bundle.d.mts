export declare const MAX_BUNDLE_BYTES: number;
export declare const LEGACY_MAX_BUNDLE_BYTES: number;
export declare const DEFAULT_PLATFORMS: ReadonlyArray<string>;

/** Parses a comma list such as `linux-amd64,linux-arm64`; empty or undefined gives the default. */
export declare function parsePlatforms(text: string | undefined): string[];
export declare function executablePath(platform: string): string;
export declare function bundleManifest(
  manifest: Readonly<Record<string, unknown>>,
  options: {platforms: ReadonlyArray<string>; webapp: boolean},
): Record<string, unknown>;
export declare function checkBundleSize(bytes: number): {level: 'ok' | 'warn' | 'error'; message: string};
