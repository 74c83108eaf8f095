// Shared pieces of the browser tests: up-to-date builds of what the sandbox serves,
// headless Chromium, screenshots, console watching, and a local integration service.

import {execFileSync, spawnSync} from 'node:child_process';
import {createHmac, timingSafeEqual} from 'node:crypto';
import {chmodSync, existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, statSync, writeFileSync} from 'node:fs';
import {createServer, type IncomingHttpHeaders, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {chromium, type Browser, type ConsoleMessage, type Locator, type Page} from 'playwright-core';
import {buildPage} from '../../sandbox/build.js';
import {paths} from '../../sandbox/paths.js';
import {waitFor} from '../../sandbox/test/harness.js';

export const artifactsDir = join(paths.root, 'test', 'artifacts');
const workDir = join(paths.root, '.cache', 'browser');

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function newestMtime(dir: string, skip: (name: string) => boolean): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (skip(name)) continue;
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p, skip) : st.mtimeMs);
  }
  return newest;
}

const mtime = (file: string): number => (existsSync(file) ? statSync(file).mtimeMs : 0);

/** Runs `fn` while holding a directory lock, so concurrent test files do not build the same output at once. */
async function locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(workDir, {recursive: true});
  const lock = join(workDir, `${name}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left behind by a killed run is older than any real build.
      if (Date.now() - mtime(lock) > 180_000) rmSync(lock, {recursive: true, force: true});
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmdirSync(lock);
  }
}

/**
 * Makes sure the sandbox serves current code: the webapp bundle and the page are
 * rebuilt when their sources are newer, and the plugin server is bundled into an
 * executable of this process's own. Returns that executable; `cleanup` removes it.
 */
export async function prepareBuilds(): Promise<{plugin: string; cleanup: () => void}> {
  await locked('webapp', async () => {
    const src = join(paths.root, 'webapp', 'src');
    if (mtime(paths.webappBundle) < Math.max(newestMtime(src, (n) => n.endsWith('.test.ts') || n.endsWith('.test.tsx')), mtime(join(paths.root, 'webapp', 'package.json')))) {
      if (!existsSync(join(paths.root, 'webapp', 'node_modules'))) throw new Error('webapp/dist/main.js is missing or stale and webapp/node_modules is not installed: run make webapp-deps');
      const r = spawnSync('npm', ['run', 'build'], {cwd: join(paths.root, 'webapp'), encoding: 'utf8'});
      if (r.status !== 0) throw new Error(`building the webapp failed:\n${r.stdout}\n${r.stderr}`);
    }
  });
  await locked('page', async () => {
    const page = join(paths.pageDir, 'dist', 'page.js');
    if (mtime(page) < newestMtime(paths.pageDir, (n) => n === 'dist' || n.endsWith('.test.ts'))) await buildPage();
  });
  const dir = join(workDir, `plugin-${process.pid}`);
  mkdirSync(dir, {recursive: true});
  const js = join(dir, 'plugin.cjs');
  const r = spawnSync(process.execPath, [join(paths.root, 'build', 'build-server.mjs'), '--entry', paths.serverEntry, '--out', js], {cwd: paths.root, encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`building the plugin server failed:\n${r.stdout}\n${r.stderr}`);
  const exe = join(dir, 'plugin');
  // Mattermost stops the PID it started, so the launcher execs node.
  writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}" "${js}" "$@"\n`);
  chmodSync(exe, 0o755);
  return {plugin: exe, cleanup: () => rmSync(dir, {recursive: true, force: true})};
}

/** Debian's Chromium, installed by build/ensure-chromium.sh when missing. */
export function chromiumPath(): string {
  const out = execFileSync('sh', [join(paths.root, 'build', 'ensure-chromium.sh')], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']}).trim();
  const path = out.split('\n').pop() ?? '';
  if (!path || !existsSync(path)) throw new Error(`no Chromium found (build/ensure-chromium.sh printed ${JSON.stringify(out)})`);
  return path;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({executablePath: chromiumPath(), args: CHROMIUM_ARGS, timeout: 30_000});
}

/** Removes the screenshots an earlier failing run left behind. */
export function removeFailureShots(): void {
  if (!existsSync(artifactsDir)) return;
  for (const name of readdirSync(artifactsDir)) if (name.startsWith('failed-')) rmSync(join(artifactsDir, name), {force: true});
}

/** Saves a full-page screenshot as test/artifacts/<name>.png; returns its path. */
export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, {recursive: true});
  const file = join(artifactsDir, `${name}.png`);
  await page.screenshot({path: file, fullPage: true, animations: 'disabled'});
  return file;
}

/** A computed CSS property of the element (kebab-case name). */
export async function cssValue(locator: Locator, property: string): Promise<string> {
  type Win = {getComputedStyle(element: unknown): {getPropertyValue(name: string): string}};
  return locator.evaluate((element, name) => (globalThis as unknown as Win).getComputedStyle(element).getPropertyValue(name), property);
}

export interface PageProblem {
  kind: 'console' | 'pageerror' | 'requestfailed' | 'http';
  text: string;
  url: string;
}

/** Collects console errors, uncaught exceptions and failed requests of a page. */
export function watchPage(page: Page): PageProblem[] {
  const problems: PageProblem[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push({kind: 'console', text: `${m.type()}: ${m.text()}`, url: m.location().url});
  });
  page.on('pageerror', (e: Error) => problems.push({kind: 'pageerror', text: `${e.message}\n${e.stack ?? ''}`, url: ''}));
  page.on('requestfailed', (r) => {
    // Live updates are cut when the page goes away; that is not a failure.
    if (!r.url().endsWith('/api/v4/events')) problems.push({kind: 'requestfailed', text: `${r.method()} ${r.url()}: ${r.failure()?.errorText ?? ''}`, url: r.url()});
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push({kind: 'http', text: `${r.request().method()} ${r.url()} → ${r.status()}`, url: r.url()});
  });
  return problems;
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

export type Reply = {status?: number; body: unknown};

/**
 * A service an integration would run: records every request and answers with
 * what the route's handler returns (JSON), 404 for unknown paths.
 */
export class IntegrationService {
  readonly received: Received[] = [];
  private readonly routes = new Map<string, (r: Received) => Reply>();
  private server: Server | null = null;
  url = '';

  route(path: string, handler: (r: Received) => Reply): void {
    this.routes.set(path, handler);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const path = (req.url ?? '/').split('?')[0]!;
        let body: Record<string, unknown> = {};
        const type = String(req.headers['content-type'] ?? '');
        try {
          if (type.includes('json')) body = JSON.parse(raw) as Record<string, unknown>;
          else if (type.includes('x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw));
        } catch {
          body = {};
        }
        const r: Received = {path, headers: req.headers, raw, body};
        this.received.push(r);
        const handler = this.routes.get(path);
        const reply = handler ? handler(r) : {status: 404, body: {error: 'no such route'}};
        res.writeHead(reply.status ?? 200, {'Content-Type': 'application/json'}).end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The n-th (0-based) request to `path`, waiting for it. */
  async request(path: string, n = 0, timeoutMs = 15_000): Promise<Received> {
    return waitFor(`request ${n + 1} to ${path} of the integration service`, async () => this.received.filter((r) => r.path === path)[n], timeoutMs);
  }

  count(path: string): number {
    return this.received.filter((r) => r.path === path).length;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Whether X-Hookbridge-Signature carries a v0 signature of this request made with `secret`. */
export function signedWith(r: Received, secret: string): boolean {
  const timestamp = String(r.headers['x-hookbridge-timestamp'] ?? '');
  const header = String(r.headers['x-hookbridge-signature'] ?? '');
  if (!timestamp || !header) return false;
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(r.raw).digest('hex')}`);
  return header.split(',').some((s) => {
    const got = Buffer.from(s.trim());
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
