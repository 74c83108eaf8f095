export declare const PLUGIN_NODE_FLAGS: readonly string[];
