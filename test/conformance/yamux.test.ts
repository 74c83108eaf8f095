// Our yamux against hashicorp/yamux: Go drives the interop matrix, our peer answers.
import assert from 'node:assert/strict';
import {createServer, connect, type Socket} from 'node:net';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {YamuxSession} from '../../server/wire/yamux/index.js';
import {tempDir} from '../support/net.js';
import {runEchoPeer} from './yamux-peer.js';
import {failures, goBinary, run} from './support.js';

const dir = tempDir('hb-yamux-');
after(() => dir.cleanup());

function summary(stdout: string): string {
  return stdout.trim().split('\n').pop() ?? '';
}

describe('yamux interop with hashicorp/yamux', () => {
  it('passes the matrix with our side as server (Go dials, like go-plugin)', async () => {
    const path = join(dir.path, 'server.sock');
    let session: YamuxSession | undefined;
    const server = createServer((sock: Socket) => {
      session = new YamuxSession(sock, {role: 'server', keepAliveMs: 0});
      runEchoPeer(session);
    });
    await new Promise<void>((r) => server.listen(path, r));
    const res = await run(goBinary('yamuxcheck'), ['--role', 'client', '--socket', path]);
    server.close();
    session?.close();
    assert.deepEqual(failures(res.stdout), [], res.stderr.slice(-2000));
    assert.match(summary(res.stdout), /^\d+ passed, 0 failed$/);
    assert.equal(res.code, 0);
  });

  it('passes the matrix with our side as client', async () => {
    const path = join(dir.path, 'client.sock');
    let session: YamuxSession | undefined;
    const res = await run(goBinary('yamuxcheck'), ['--role', 'server', '--socket', path], {
      onStdoutLine: (line) => {
        if (line !== 'LISTENING') return;
        const sock = connect(path);
        session = new YamuxSession(sock, {role: 'client', keepAliveMs: 0});
        runEchoPeer(session);
      },
    });
    session?.close();
    assert.deepEqual(failures(res.stdout), [], res.stderr.slice(-2000));
    assert.match(summary(res.stdout), /^\d+ passed, 0 failed$/);
  });
});
