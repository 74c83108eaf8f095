// Where the sandbox finds things, relative to the repository.

import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const paths = {
  root,
  manifest: join(root, 'plugin.json'),
  serverEntry: join(root, 'server', 'main.ts'),
  fixtureEntry: join(root, 'sandbox', 'test', 'fixture-plugin.ts'),
  cacheDir: join(root, '.cache', 'sandbox'),
  pluginLauncher: join(root, '.cache', 'sandbox', 'plugin'),
  pageDir: join(root, 'sandbox', 'web'),
  webappBundle: join(root, 'webapp', 'dist', 'main.js'),
} as const;
