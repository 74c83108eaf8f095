import assert from 'node:assert/strict';
import {beforeEach, describe, it} from 'node:test';
import {call, createIncoming, makeWorld, type World} from './test-kit.js';

describe('incoming webhook extras', () => {
  let w: World;
  let hookId = '';
  beforeEach(async () => {
    w = await makeWorld();
    hookId = String((await createIncoming(w, {display_name: 'Status'})).id);
  });

  const post = (path: string, body: object, headers: Record<string, string> = {}) => call(w.plugin, {method: 'POST', path, body, headers});

  it('answers "ok" like Mattermost unless the caller asks for the post id', async () => {
    const plain = await post(`/hooks/${hookId}`, {text: 'one'});
    assert.deepEqual([plain.status, plain.text], [200, 'ok']);
    const viaQuery = await post(`/hooks/${hookId}?return=post`, {text: 'two'});
    const body = viaQuery.json as {status: string; post_id: string; post_ids: string[]; channel_id: string};
    assert.equal(body.status, 'OK');
    assert.equal(w.mm.posts.get(body.post_id)?.Message, 'two');
    assert.deepEqual(body.post_ids, [body.post_id]);
    assert.equal(body.channel_id, w.town.Id);
    const viaAccept = await post(`/hooks/${hookId}`, {text: 'three'}, {Accept: 'application/json'});
    assert.equal(w.mm.posts.get((viaAccept.json as {post_id: string}).post_id)?.Message, 'three');
    const slackClient = await post(`/hooks/${hookId}`, {text: 'four'}, {Accept: '*/*'});
    assert.equal(slackClient.text, 'ok');
  });

  it('edits and deletes its own posts, and only those', async () => {
    const created = (await post(`/hooks/${hookId}?return=post`, {text: 'Deploy: running'})).json as {post_id: string};
    const edit = await call(w.plugin, {method: 'PUT', path: `/hooks/${hookId}/posts/${created.post_id}`, body: {text: 'Deploy: <https://ci.example/1|done>', attachments: [{color: 'good', text: 'all green'}]}});
    assert.equal(edit.status, 200, edit.text);
    const edited = w.mm.posts.get(created.post_id)!;
    assert.equal(edited.Message, 'Deploy: [done](https://ci.example/1)');
    assert.equal((edited.Props!.attachments as {text: string}[])[0]!.text, 'all green');
    assert.equal(edited.Props!.from_webhook, 'true', 'identity kept');

    const someoneElses = await w.mm.createPost({ChannelId: w.town.Id, UserId: w.alice.Id, Message: 'mine'});
    const otherHook = String((await createIncoming(w, {display_name: 'Other'})).id);
    for (const [hook, postId] of [[hookId, someoneElses.Id!], [otherHook, created.post_id], [hookId, 'nosuchpost00000000000000aa']]) {
      const res = await call(w.plugin, {method: 'DELETE', path: `/hooks/${hook}/posts/${postId}`});
      assert.equal(res.status, 404, res.text);
    }
    const del = await call(w.plugin, {method: 'DELETE', path: `/hooks/${hookId}/posts/${created.post_id}`});
    assert.equal(del.status, 200, del.text);
    assert.ok(w.mm.posts.get(created.post_id)!.DeleteAt);
    const again = await call(w.plugin, {method: 'PUT', path: `/hooks/${hookId}/posts/${created.post_id}`, body: {text: 'x'}});
    assert.equal(again.status, 404);
  });

  it('posts silently when asked: mentions and channel-wide mentions do not notify', async () => {
    const res = await post(`/hooks/${hookId}?return=post`, {text: '@alice @channel nightly report', silent: true});
    const props = w.mm.posts.get((res.json as {post_id: string}).post_id)!.Props!;
    assert.equal(props.mentionHighlightDisabled, true);
    assert.equal(props.disable_group_highlight, true);
    const loud = await post(`/hooks/${hookId}?return=post`, {text: '@alice hi'});
    assert.equal(w.mm.posts.get((loud.json as {post_id: string}).post_id)!.Props!.mentionHighlightDisabled, undefined);
  });

  it('refuses edits with nothing to post', async () => {
    const created = (await post(`/hooks/${hookId}?return=post`, {text: 'x'})).json as {post_id: string};
    const res = await call(w.plugin, {method: 'PUT', path: `/hooks/${hookId}/posts/${created.post_id}`, body: {}});
    assert.equal(res.status, 400);
  });
});
