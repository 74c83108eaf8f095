import assert from 'node:assert/strict';
import {Readable} from 'node:stream';
import {describe, it} from 'node:test';
import {GoMarshaled} from '../wire/gob/index.js';
import {BodyTooLargeError, buildRequest, canonicalHeaderKey, putVarint, readBody} from './http.js';

describe('ServeHTTP plumbing', () => {
  it('writes io_rpc byte counts as Go binary.PutVarint does', () => {
    assert.equal(putVarint(1n).toString('hex'), '02');
    assert.equal(putVarint(4096n).toString('hex'), '8040');
    assert.equal(putVarint(32768n).toString('hex'), '808004');
    assert.equal(putVarint(-1n).toString('hex'), '01');
  });

  it('canonicalises header names like Go', () => {
    assert.equal(canonicalHeaderKey('mattermost-user-id'), 'Mattermost-User-Id');
    assert.equal(canonicalHeaderKey('CONTENT-TYPE'), 'Content-Type');
    assert.equal(canonicalHeaderKey('x-hub-signature-256'), 'X-Hub-Signature-256');
  });

  it('builds the request from the HTTPRequestSubset Mattermost sends', () => {
    const req = buildRequest(
      {
        Method: 'post',
        URL: new GoMarshaled('binary', 'URL', new TextEncoder().encode('/hooks/abc?x=1&y=%20z')),
        Header: {'Mattermost-User-Id': ['u1'], 'X-Multi': ['a', 'b']},
        RemoteAddr: '10.0.0.1:5000',
        Host: 'chat.example.com',
      },
      {RequestId: 'r1'},
      Readable.from([]),
    );
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/hooks/abc');
    assert.equal(req.query.get('y'), ' z');
    assert.equal(req.userId, 'u1');
    assert.deepEqual(req.headers['x-multi'], ['a', 'b']);
    assert.equal(req.header('X-MULTI'), 'a');
    assert.equal(req.context.RequestId, 'r1');
  });

  it('reads bodies up to a limit and refuses larger ones early or while streaming', async () => {
    const mk = (chunks: Buffer[], headers: Record<string, string[]> = {}) => buildRequest({Method: 'POST', RequestURI: '/x', Header: headers}, {}, Readable.from(chunks));
    assert.equal((await readBody(mk([Buffer.from('ab'), Buffer.from('cd')]), 4)).toString(), 'abcd');
    await assert.rejects(readBody(mk([Buffer.alloc(3), Buffer.alloc(3)]), 4), BodyTooLargeError);
    await assert.rejects(readBody(mk([], {'Content-Length': ['999999']}), 4), BodyTooLargeError);
  });
});
