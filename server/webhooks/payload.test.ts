import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {buildPayload, encodePayload, formEncode} from './payload.js';
import {goValueString, messageLinksToMarkdown, processAttachments, processSlackText} from './slack.js';
import {splitWebhookPost} from './split.js';
import {makeHook} from './test-fixtures.js';

const post = {Id: 'post0000000000000000000001', ChannelId: 'chan0000000000000000000001', UserId: 'user0000000000000000000002', RootId: 'root0000000000000000000001', Message: 'deploy <prod> & "more"', CreateAt: 1_700_000_123_999, FileIds: ['f1', 'f2']};
const source = (over: Parameters<typeof makeHook>[0] = {}) => ({
  hook: makeHook({token: 'tok00000000000000000000001', team_id: 'team0000000000000000000001', ...over}),
  team: {Id: 'team0000000000000000000001', Name: 'core'},
  channel: {Id: post.ChannelId, Name: 'town-square', Type: 'O'},
  user: {Id: post.UserId, Username: 'alice'},
  post,
  triggerWord: 'deploy',
  event: 'posted' as const,
});

describe('outgoing payload', () => {
  it('JSON: Go field order and escaping, timestamp in ms, file_ids as a string', () => {
    const {contentType, body} = encodePayload(buildPayload(source()), 'application/json');
    assert.equal(contentType, 'application/json');
    assert.equal(
      new TextDecoder().decode(body),
      '{"token":"tok00000000000000000000001","team_id":"team0000000000000000000001","team_domain":"core","channel_id":"chan0000000000000000000001","channel_name":"town-square","timestamp":1700000123999,"user_id":"user0000000000000000000002","user_name":"alice","post_id":"post0000000000000000000001","text":"deploy \\u003cprod\\u003e \\u0026 \\"more\\"","trigger_word":"deploy","file_ids":"f1,f2"}',
    );
  });

  it('form: sorted keys, url.QueryEscape, timestamp in whole seconds', () => {
    const {contentType, body} = encodePayload(buildPayload(source()), 'application/x-www-form-urlencoded');
    assert.equal(contentType, 'application/x-www-form-urlencoded');
    assert.equal(
      new TextDecoder().decode(body),
      'channel_id=chan0000000000000000000001&channel_name=town-square&file_ids=f1%2Cf2&post_id=post0000000000000000000001&team_domain=core&team_id=team0000000000000000000001&text=deploy+%3Cprod%3E+%26+%22more%22&timestamp=1700000123&token=tok00000000000000000000001&trigger_word=deploy&user_id=user0000000000000000000002&user_name=alice',
    );
  });

  it('only the exact value application/json selects JSON', () => {
    for (const ct of ['Application/JSON', 'application/json; charset=utf-8', 'text/json', '']) {
      assert.equal(encodePayload(buildPayload(source()), ct).contentType, 'application/x-www-form-urlencoded', ct);
    }
  });

  it('escapes like Go: ~ stays, * ! \' ( ) are escaped', () => {
    assert.equal(formEncode({a: "~*!'() x"}), 'a=~%2A%21%27%28%29+x');
  });

  it('hooks using extensions get root_id, channel_type and edited', () => {
    const ext = buildPayload({...source({channel_types: ['O', 'P']}), event: 'edited'});
    assert.deepEqual([ext.root_id, ext.channel_type, ext.edited], [post.RootId, 'O', true]);
    const plain = buildPayload(source());
    assert.equal('root_id' in plain || 'channel_type' in plain || 'edited' in plain, false);
    assert.match(new TextDecoder().decode(encodePayload(ext, 'x').body), /edited=true/);
  });
});

describe('Slack translation', () => {
  const users: Record<string, string> = {u1: 'alice'};
  const lookup = async (id: string) => users[id] ?? null;

  const cases: [string, string][] = [
    ['<!channel> and <!here> and <!all>', '@channel and @here and @all'],
    ['hi <@u1>, <@nobody> stays', 'hi @alice, <@nobody> stays'],
    ['<!everyone> is not supported', '<!everyone> is not supported'],
  ];
  for (const [input, want] of cases) it(`text: ${input}`, async () => assert.equal(await processSlackText(input, lookup), want));

  it('links: <url|label> → [label](url), also in code, bare <url> untouched', () => {
    assert.equal(messageLinksToMarkdown('see <https://x.y|the docs> or <https://z.w>'), 'see [the docs](https://x.y) or <https://z.w>');
    assert.equal(messageLinksToMarkdown('`<https://a|b>`'), '`[b](https://a)`');
  });

  it('attachments: nulls dropped, unknown keys dropped, values stringified like %v', async () => {
    const out = await processAttachments([null, {text: '<!here> <https://a|b>', title: '<@u1>', blocks: [1], fields: [null, {title: 't', value: 1000000, short: true}, {value: 0.5}, {value: true}]}], lookup);
    assert.deepEqual(out, [{text: '@here [b](https://a)', title: '@alice', fields: [{title: 't', value: '1e+06', short: true}, {value: '0.5'}, {value: 'true'}]}]);
    assert.equal(goValueString(123456), '123456');
    assert.equal(goValueString(0.00001), '1e-05');
    assert.equal(goValueString({b: 1, a: [1, 'x']}), 'map[a:[1 x] b:1]');
  });
});

describe('splitting long posts', () => {
  it('cuts on rune boundaries; every piece keeps the props', () => {
    const pieces = splitWebhookPost({message: 'é'.repeat(25), props: {a: 1}, attachments: []}, 10);
    assert.deepEqual(
      pieces.map((p) => p.message.length),
      [10, 10, 5],
    );
    assert.ok(pieces.every((p) => (p.props as {a: number}).a === 1));
    const emoji = splitWebhookPost({message: '😀'.repeat(3), props: {}, attachments: []}, 2);
    assert.deepEqual(
      emoji.map((p) => p.message),
      ['😀😀', '😀'],
    );
  });

  it('puts attachments on the last piece and spills them when props get too big', () => {
    const a = {text: 'x'.repeat(60)};
    const pieces = splitWebhookPost({message: 'abcdefghij', props: {}, attachments: [a, a, a]}, 5, 150);
    assert.deepEqual(
      pieces.map((p) => [p.message, ((p.props.attachments as unknown[]) ?? []).length]),
      [
        ['abcde', 0],
        ['fghij', 1],
        ['', 1],
        ['', 1],
      ],
    );
  });

  it('truncates a lone attachment that is too big, refuses props that are', () => {
    const [piece] = splitWebhookPost({message: '', props: {}, attachments: [{text: 'y'.repeat(300)}]}, 100, 100);
    assert.ok(((piece!.props.attachments as {text: string}[])[0]!.text.length) < 100);
    assert.throws(() => splitWebhookPost({message: '', props: {big: 'z'.repeat(200)}, attachments: []}, 100, 100), /too large/);
  });

  it('measures props as Go encodes them: escaped <, > and & count six each, a surrogate pair one', () => {
    // {"s":"<<<…"}: 38 characters as JavaScript writes it, 188 as Go does (\u003c).
    const escaped = {s: '<'.repeat(30)};
    assert.throws(() => splitWebhookPost({message: 'hi', props: escaped, attachments: []}, 100, 150), /too large/);
    assert.equal(splitWebhookPost({message: 'hi', props: escaped, attachments: []}, 100, 188).length, 1);
    // {"s":"😀…"}: 108 UTF-16 units, 58 runes.
    const wide = {s: '😀'.repeat(50)};
    assert.equal(splitWebhookPost({message: 'hi', props: wide, attachments: []}, 100, 58).length, 1);
    assert.throws(() => splitWebhookPost({message: 'hi', props: wide, attachments: []}, 100, 57), /too large/);
    // A message longer in UTF-16 units than the limit but not in runes stays whole.
    assert.deepEqual(
      splitWebhookPost({message: '😀'.repeat(4), props: {}, attachments: []}, 4).map((p) => p.message),
      ['😀😀😀😀'],
    );
  });
});
