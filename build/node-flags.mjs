// The Node flags the plugin executable runs with: the single executable's
// execArgv (build/sea/sea.mjs), and the launchers of the sandbox and the
// benchmarks, so that all three run the plugin the same way.
//
// A young generation twice the default: delivering to many hooks allocates
// fast, and with 16 MiB semi-spaces much of the plugin's garbage-collection time
// went to scavenges that promoted objects about to die. `npm run bench` measured
// about 20 % less plugin CPU per delivery with 100 hooks per post, for about
// 32 MiB more RSS with 100k hooks loaded (idle RSS unchanged).
export const PLUGIN_NODE_FLAGS = Object.freeze(['--max-semi-space-size=32']);
