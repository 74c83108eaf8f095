// build/deploy.mjs against a stand-in for the Mattermost REST API.
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, beforeEach, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const deployScript = join(root, 'build', 'deploy.mjs');
const pluginId = (JSON.parse(readFileSync(join(root, 'plugin.json'), 'utf8')) as {id: string}).id;

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Handler = (req: Recorded, res: ServerResponse) => void;

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the script asynchronously: the fake server lives in this process and must keep answering. */
function runDeploy(env: Record<string, string>, args: string[] = []): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [deployScript, ...args], {env: {PATH: process.env.PATH ?? '', ...env}, timeout: 20_000}, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({code, stdout, stderr});
    });
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, {'Content-Type': 'application/json', ...headers});
  res.end(JSON.stringify(body));
}

describe('deploy', () => {
  let server: Server;
  let siteUrl: string;
  let requests: Recorded[];
  let handler: Handler;
  let dir: string;
  let bundle: string;
  const bundleBytes = Buffer.from('not really a tarball, but the server here only stores it\n');

  const mattermost: Handler = (req, res) => {
    if (req.method === 'POST' && req.url === '/api/v4/users/login') {
      const {login_id: login, password} = JSON.parse(req.body.toString()) as {login_id: string; password: string};
      if (login === 'admin' && password === 'secret') json(res, 200, {id: 'u1', username: 'admin'}, {Token: 'session-token'});
      else json(res, 401, {id: 'api.user.login.invalid_credentials_email_username', message: 'Enter a valid email or username and/or password.', status_code: 401});
    } else if (req.method === 'POST' && req.url === '/api/v4/plugins') {
      json(res, 201, {id: pluginId, version: '9.9.9'});
    } else if (req.method === 'POST' && req.url === `/api/v4/plugins/${pluginId}/enable`) {
      json(res, 200, {status: 'OK'});
    } else {
      json(res, 404, {id: 'api.context.404.app_error', message: 'Sorry, we could not find the page.', status_code: 404});
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hookbridge-deploy-'));
    bundle = join(dir, `${pluginId}-0.0.1.tar.gz`);
    writeFileSync(bundle, bundleBytes);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const recorded = {method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks)};
        requests.push(recorded);
        handler(recorded, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, {recursive: true, force: true});
  });
  beforeEach(() => {
    requests = [];
    handler = mattermost;
  });

  async function formOf(req: Recorded): Promise<FormData> {
    return new Response(req.body, {headers: {'Content-Type': String(req.headers['content-type'])}}).formData();
  }

  it('uploads the bundle with force=true and enables the plugin, using the token', async () => {
    const res = await runDeploy({MM_SERVICESETTINGS_SITEURL: `${siteUrl}/`, MM_ADMIN_TOKEN: 'tok123'}, [bundle]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(
      requests.map((r) => `${r.method} ${r.url}`),
      ['POST /api/v4/plugins', `POST /api/v4/plugins/${pluginId}/enable`],
    );
    for (const r of requests) assert.equal(r.headers.authorization, 'Bearer tok123');
    const upload = requests[0]!;
    assert.match(String(upload.headers['content-type']), /^multipart\/form-data; boundary=/);
    const form = await formOf(upload);
    const file = form.get('plugin');
    assert.ok(file instanceof Blob, 'field "plugin" is a file');
    assert.equal((file as File).name, `${pluginId}-0.0.1.tar.gz`);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), bundleBytes);
    assert.equal(form.get('force'), 'true');
    assert.deepEqual([...form.keys()].sort(), ['force', 'plugin']);
    assert.match(res.stdout, /installed and enabled/);
  });

  it('logs in with MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD and uses the session token', async () => {
    const res = await runDeploy({MM_SERVICESETTINGS_SITEURL: siteUrl, MM_ADMIN_USERNAME: 'admin', MM_ADMIN_PASSWORD: 'secret'}, [bundle]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(
      requests.map((r) => `${r.method} ${r.url}`),
      ['POST /api/v4/users/login', 'POST /api/v4/plugins', `POST /api/v4/plugins/${pluginId}/enable`],
    );
    assert.deepEqual(JSON.parse(requests[0]!.body.toString()), {login_id: 'admin', password: 'secret'});
    assert.equal(requests[1]!.headers.authorization, 'Bearer session-token');
    assert.equal(requests[2]!.headers.authorization, 'Bearer session-token');
  });

  it('reports a failed login with the server message', async () => {
    const res = await runDeploy({MM_SERVICESETTINGS_SITEURL: siteUrl, MM_ADMIN_USERNAME: 'admin', MM_ADMIN_PASSWORD: 'wrong'}, [bundle]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /login failed: HTTP 401: Enter a valid email or username and\/or password\./);
  });

  it('names the missing site URL', async () => {
    const res = await runDeploy({MM_ADMIN_TOKEN: 'tok'}, [bundle]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /MM_SERVICESETTINGS_SITEURL is not set/);
    assert.equal(requests.length, 0);
  });

  it('names the missing credentials', async () => {
    const none = await runDeploy({MM_SERVICESETTINGS_SITEURL: siteUrl}, [bundle]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /set MM_ADMIN_TOKEN .*or MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD/);
    const noPassword = await runDeploy({MM_SERVICESETTINGS_SITEURL: siteUrl, MM_ADMIN_USERNAME: 'admin'}, [bundle]);
    assert.equal(noPassword.code, 1);
    assert.match(noPassword.stderr, /MM_ADMIN_PASSWORD is not/);
    assert.equal(requests.length, 0);
  });

  it('says when the bundle has not been built', async () => {
    const res = await runDeploy({MM_SERVICESETTINGS_SITEURL: siteUrl, MM_ADMIN_TOKEN: 'tok'}, [join(dir, 'missing.tar.gz')]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /missing\.tar\.gz does not exist; run make dist/);
  });

  it('prints the server message of a 403 and does not try to enable', async () => {
    handler = (_req, res) =>
      json(res, 403, {id: 'api.context.permissions.app_error', message: 'You do not have the appropriate permissions.', detailed_error: '', status_code: 403});
    const res = await runDeploy({MM_SERVICESETTINGS_SITEURL: siteUrl, MM_ADMIN_TOKEN: 'tok'}, [bundle]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /upload failed: HTTP 403: You do not have the appropriate permissions\. \(api\.context\.permissions\.app_error\)/);
    assert.match(res.stderr, /system admin/);
    assert.deepEqual(
      requests.map((r) => r.url),
      ['/api/v4/plugins'],
    );
  });

  it('explains PluginSettings.EnableUploads when uploads are disabled', async () => {
    handler = (_req, res) =>
      json(res, 501, {id: 'app.plugin.upload_disabled.app_error', message: 'Plugins and/or plugin uploads have been disabled.', status_code: 501});
    const res = await runDeploy({MM_SERVICESETTINGS_SITEURL: siteUrl, MM_ADMIN_TOKEN: 'tok'}, [bundle]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /HTTP 501: Plugins and\/or plugin uploads have been disabled\./);
    assert.match(res.stderr, /PluginSettings\.EnableUploads/);
  });

  it('reports an enable failure after a good upload', async () => {
    handler = (req, res) => {
      if (req.url === '/api/v4/plugins') json(res, 201, {id: pluginId});
      else json(res, 500, {id: 'app.plugin.activate.app_error', message: 'Unable to activate the plugin.', status_code: 500});
    };
    const res = await runDeploy({MM_SERVICESETTINGS_SITEURL: siteUrl, MM_ADMIN_TOKEN: 'tok'}, [bundle]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /enable failed: HTTP 500: Unable to activate the plugin\./);
  });

  it('says when the server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const res = await runDeploy({MM_SERVICESETTINGS_SITEURL: `http://127.0.0.1:${port}`, MM_ADMIN_TOKEN: 'tok'}, [bundle]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /upload: cannot reach http:\/\/127\.0\.0\.1:\d+/);
  });
});
