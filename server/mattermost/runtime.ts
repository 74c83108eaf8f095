// Starts a plugin process the way Mattermost's supervisor expects (handshake on
// stdout, logs as hclog JSON on stderr) and keeps it alive whatever a hook throws.

import {HclogLogger, serve, type ServingPlugin} from '../wire/goplugin/index.js';
import {hooksService, type PluginHooks} from './hooks.js';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  onExit?: (reason: string) => void;
}

export function runPlugin(plugin: PluginHooks, options: RunOptions = {}): ServingPlugin | null {
  const logger = new HclogLogger();
  // A bug in one request must not take the plugin (and every hook) down.
  process.on('uncaughtException', (err) => logger.error('uncaught exception', {error: err.stack ?? err.message}));
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', {error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}));
  // go-plugin servers ignore interrupts: the host ends them with Quit or SIGKILL.
  process.on('SIGINT', () => {});
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  return serve({
    logger,
    ...(options.env ? {env: options.env} : {}),
    ...(options.onExit ? {onExit: options.onExit} : {}),
    plugins: {
      hooks: (broker) =>
        hooksService(plugin, broker, {
          onError: (where, err) => logger.error(`${where} failed`, {error: err instanceof Error ? err.message : String(err)}),
        }),
    },
  });
}
