// Runs the sandbox: a local stand-in for a Mattermost server that launches the
// plugin executable over the real plugin protocol.
//
//   PORT            port to listen on (8065)
//   SANDBOX_DATA    data folder for the store (sandbox-data/)
//   SANDBOX_PLUGIN  plugin executable (what `node --import tsx sandbox/build.ts` built)
//   SANDBOX_WEBAPP  plugin webapp bundle (webapp/dist/main.js)
//   SANDBOX_HEALTH_CHECK_MS  interval of the plugin health check (30000)

import {existsSync} from 'node:fs';
import {resolve} from 'node:path';
import {Sandbox, readManifest} from './app.js';
import {paths} from './paths.js';

function fail(message: string): never {
  process.stderr.write(`sandbox: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8065);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT=${process.env.PORT} is not a port number`);
  const executable = resolve(process.env.SANDBOX_PLUGIN ?? paths.pluginLauncher);
  if (!existsSync(executable)) fail(`no plugin executable at ${executable}; run \`make sandbox\` (or \`node --import tsx sandbox/build.ts\`) or set SANDBOX_PLUGIN`);
  const webapp = resolve(process.env.SANDBOX_WEBAPP ?? paths.webappBundle);
  const manifest = readManifest(paths.manifest);
  const sandbox = new Sandbox({
    port,
    host: '127.0.0.1',
    dataDir: resolve(process.env.SANDBOX_DATA ?? 'sandbox-data'),
    executable,
    manifest,
    bundleDir: paths.root,
    webappBundle: existsSync(webapp) ? webapp : null,
    pageDir: paths.pageDir,
    ...(process.env.SANDBOX_HEALTH_CHECK_MS ? {healthCheckMs: Number(process.env.SANDBOX_HEALTH_CHECK_MS)} : {}),
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.stderr.write(`sandbox: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    console.log(`sandbox: ${signal}, stopping the plugin and saving the store…`);
    sandbox.stop().then(
      () => {
        console.log('sandbox: stopped');
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`sandbox: stopping failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const url = await sandbox.start();
  const bar = '='.repeat(72);
  console.log(bar);
  console.log(`  Hookbridge sandbox: ${url}`);
  console.log('  FOR LOCAL USE ONLY. There is no real authentication: any request may');
  console.log('  act as any user (Authorization: Bearer <username>). It listens on');
  console.log('  127.0.0.1 only; do not expose it.');
  console.log(`  plugin:  ${manifest.id} ${manifest.version ?? ''} from ${executable}`);
  console.log(`  webapp:  ${existsSync(webapp) ? webapp : 'none (build webapp/ first)'}`);
  console.log(`  data:    ${sandbox.snapshots.dir}`);
  console.log('  users:   admin (system admin), alice');
  console.log(bar);
}

main().catch((err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
