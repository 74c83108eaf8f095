// The plugin executable's entry point.
import {runPlugin} from './mattermost/runtime.js';
import {HookbridgePlugin} from './plugin.js';

runPlugin(new HookbridgePlugin());
