import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {copyOf, MemoryMattermost} from './memory.js';

describe('the in-memory store', () => {
  it('copies plain data deeply, as structuredClone does', () => {
    const src = {
      s: 'text',
      n: 1.5,
      big: 9007199254740993n,
      t: true,
      none: null,
      missing: undefined,
      list: [1, 'two', {three: [3]}],
      nested: {a: {b: {c: 'deep'}}},
      bytes: new Uint8Array([1, 2, 3]),
      when: new Date(0),
      map: new Map([['k', {v: 1}]]),
      bare: Object.assign(Object.create(null) as Record<string, unknown>, {x: 1}),
    };
    const copy = copyOf(src);
    assert.deepEqual(copy, structuredClone(src));
    assert.ok('missing' in copy, 'a key holding undefined is kept');
    // Nothing is shared: every object in the copy is a new one.
    assert.notEqual(copy.list, src.list);
    assert.notEqual(copy.list[2], src.list[2]);
    assert.notEqual(copy.nested.a.b, src.nested.a.b);
    assert.notEqual(copy.bytes, src.bytes);
    assert.notEqual(copy.map.get('k'), src.map.get('k'));
    src.nested.a.b.c = 'changed';
    (src.list[2] as {three: number[]}).three.push(4);
    src.bytes[0] = 9;
    assert.equal(copy.nested.a.b.c, 'deep');
    assert.deepEqual((copy.list[2] as {three: number[]}).three, [3]);
    assert.equal(copy.bytes[0], 1);
  });

  it('copies data nested deeper than its own limit through structuredClone', () => {
    let deep: {next?: unknown; level: number} = {level: 0};
    for (let i = 1; i < 200; i++) deep = {next: deep, level: i};
    const copy = copyOf(deep);
    assert.deepEqual(copy, deep);
    let a: unknown = copy;
    let b: unknown = deep;
    for (let i = 0; i < 199; i++) {
      assert.notEqual(a, b);
      a = (a as {next: unknown}).next;
      b = (b as {next: unknown}).next;
    }
  });

  it('records API calls for tests, and none when told not to', async () => {
    for (const recordCalls of [true, false]) {
      const mm = new MemoryMattermost({recordCalls});
      await mm.kvSet('k', new Uint8Array([1]));
      await mm.kvGet('k');
      assert.deepEqual(
        mm.calls.map((c) => c.method),
        recordCalls ? ['KVSet', 'KVGet'] : [],
      );
    }
  });

  it('never shares a post with its callers', async () => {
    const mm = new MemoryMattermost();
    const team = mm.addTeam({Name: 'team'});
    const channel = mm.addChannel({TeamId: team.Id, Name: 'town-square', Type: 'O'});
    const user = mm.addUser({Username: 'alice'});
    const posted: unknown[] = [];
    mm.onPostCreated = (p) => posted.push(p);
    const input = {ChannelId: channel.Id, UserId: user.Id, Message: 'hi', Props: {attachments: [{text: 'a'}]}};
    const created = await mm.createPost(input);
    input.Props.attachments[0]!.text = 'changed by the caller';
    (created.Props!.attachments as {text: string}[])[0]!.text = 'changed in the answer';
    ((posted[0] as {Props: {attachments: {text: string}[]}}).Props.attachments[0]!).text = 'changed by a hook';
    const stored = await mm.getPost(created.Id!);
    assert.deepEqual(stored.Props, {attachments: [{text: 'a'}]});
  });
});
