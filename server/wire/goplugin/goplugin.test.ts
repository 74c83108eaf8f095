import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {connect} from 'node:net';
import {createInterface} from 'node:readline';
import {describe, it} from 'node:test';
import {bundleExecutable} from '../../../test/support/bundle.js';
import {encodeHeader, Flag, FrameType, YamuxSession} from '../yamux/index.js';
import {formatHclogLine, hclogTimestamp, parseHandshake, parseHclogLine} from './index.js';

/** Starts the plugin by hand and returns its socket path, stderr lines and exit. */
async function startRaw(exe: string) {
  const child = spawn(exe, [], {env: {...process.env, MATTERMOST_PLUGIN: 'Securely message teams, anywhere.', PLUGIN_PROTOCOL_VERSIONS: '1'}, stdio: ['ignore', 'pipe', 'pipe']});
  const stderr: string[] = [];
  createInterface({input: child.stderr!}).on('line', (l) => stderr.push(l));
  const line = await new Promise<string>((resolve) => createInterface({input: child.stdout!}).once('line', resolve));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {path: parseHandshake(line, [1]).address, stderr, exited, child};
}

describe('go-plugin handshake and logging', () => {
  it('formats hclog timestamps with six fractional digits, as Go parses them', () => {
    assert.match(hclogTimestamp(new Date('2026-01-02T03:04:05.678Z')), /^2026-01-02T03:04:05\.678000Z$/);
    const line = formatHclogLine('warn', 'hello', {hook: 'h1', n: 2, err: new Error('boom')}, new Date(0));
    assert.deepEqual(JSON.parse(line), {'@level': 'warn', '@message': 'hello', '@timestamp': '1970-01-01T00:00:00.000000Z', hook: 'h1', n: 2, err: 'boom'});
    assert.deepEqual(parseHclogLine(line).level, 'warn');
    assert.deepEqual(parseHclogLine('[ERROR] plain').level, 'error');
  });

  it('parses handshake lines like go-plugin and rejects bad ones', () => {
    assert.deepEqual(parseHandshake('1|1|unix|/tmp/plugin1|netrpc|\n', [1]), {core: 1, app: 1, network: 'unix', address: '/tmp/plugin1', protocol: 'netrpc'});
    assert.equal(parseHandshake('1|1|tcp|127.0.0.1:1234', [1]).protocol, 'netrpc');
    assert.throws(() => parseHandshake('hello world', [1]), /Unrecognized/);
    assert.throws(() => parseHandshake('2|1|unix|/x|netrpc', [1]), /core API version/);
    assert.throws(() => parseHandshake('1|2|unix|/x|netrpc', [1]), /API version/);
    assert.throws(() => parseHandshake('1|1|unix|/x|grpc', [1]), /Unsupported plugin protocol/);
  });
});

describe('plugin process on bad input', () => {
  it('exits cleanly, with a logged error, when the host sends garbage instead of yamux', async () => {
    const exe = await bundleExecutable('test/fixtures/runtime-plugin.ts', 'runtime-plugin');
    const p = await startRaw(exe);
    const sock = connect(p.path);
    sock.on('error', () => {});
    sock.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.equal(await p.exited, 0);
  });

  it('survives a broken gob stream on one yamux stream and keeps answering on others', async () => {
    const exe = await bundleExecutable('test/fixtures/runtime-plugin.ts', 'runtime-plugin');
    const p = await startRaw(exe);
    const sock = connect(p.path);
    const session = new YamuxSession(sock, {role: 'client', keepAliveMs: 0});
    const control = session.open();
    session.open().resume(); // stdout
    session.open().resume(); // stderr
    control.on('error', () => {});
    // A message claiming 5 bytes of garbage gob.
    control.write(Buffer.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]));
    await new Promise((r) => setTimeout(r, 100));
    // The session is alive: a ping is answered, and truncated frames don't wedge it.
    assert.ok((await session.ping()) >= 0);
    (sock as unknown as {write(b: Buffer): void}).write(encodeHeader(FrameType.WindowUpdate, Flag.SYN, 99, 0));
    assert.ok((await session.ping()) >= 0);
    assert.ok(p.stderr.some((l) => l.includes('control stream failed')), p.stderr.join('\n'));
    session.close();
    assert.equal(await p.exited, 0);
  });
});
