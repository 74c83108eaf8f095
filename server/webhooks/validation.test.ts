import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {HookError} from './errors.js';
import {InputReader} from './input.js';
import {checkPattern, RegexRunner} from './safe-regex.js';
import {readIncomingInput, readOutgoingInput, validateIncoming, validateOutgoing} from './validation.js';

const TEAM = 'team0000000000000000000001';
const CHAN = 'chan0000000000000000000001';

function outgoing(body: Record<string, unknown>) {
  return readOutgoingInput(InputReader.fromBody({team_id: TEAM, trigger_words: ['go'], callback_urls: ['https://example.com/h'], ...body}), null);
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof HookError) return `${err.status} ${err.field ?? ''}`.trim();
    throw err;
  }
  return undefined;
}

describe('outgoing hook validation', () => {
  const cases: [string, Record<string, unknown>, string | undefined][] = [
    ['a valid hook', {}, undefined],
    ['channel only', {trigger_words: [], channel_id: CHAN}, undefined],
    ['neither channel nor trigger words', {trigger_words: []}, '400 trigger_words'],
    ['regex pattern stands in for trigger words', {trigger_words: [], match: {mode: 'regex', pattern: 'x+'}}, undefined],
    ['regex without a pattern', {trigger_words: [], match: {mode: 'regex'}}, '400 match.pattern'],
    ['catastrophic regex', {match: {mode: 'regex', pattern: '(a+)+$'}}, '400 match.pattern'],
    ['regex that does not compile', {match: {mode: 'regex', pattern: '(x'}}, '400 match.pattern'],
    ['unknown match mode', {match: {mode: 'fuzzy'}}, '400 match.mode'],
    ['empty trigger word', {trigger_words: ['ok', '']}, '400 trigger_words.1'],
    ['trigger word with a space', {trigger_words: ['a b']}, '400 trigger_words.0'],
    ['trigger words over 1024 bytes as "[a b]"', {trigger_words: ['x'.repeat(500), 'y'.repeat(500), 'z'.repeat(30)]}, '400 trigger_words'],
    ['trigger_when 2', {trigger_when: 2}, '400 trigger_when'],
    ['negative trigger_when', {trigger_when: -1}, '400 trigger_when'],
    ['no callback URL', {callback_urls: []}, '400 callback_urls'],
    ['callback URL not http', {callback_urls: ['https://ok.example', 'ftp://x']}, '400 callback_urls.1'],
    ['relative callback URL', {callback_urls: ['/hook']}, '400 callback_urls.0'],
    ['display name over 64 bytes (multibyte counts)', {display_name: 'é'.repeat(33)}, '400 display_name'],
    ['description over 500 bytes', {description: 'x'.repeat(501)}, '400 description'],
    ['content type over 128 bytes', {content_type: 'x'.repeat(129)}, '400 content_type'],
    ['wrong JSON type', {trigger_words: 'go'}, '400 trigger_words'],
    ['wrong item type', {callback_urls: ['https://x.y', 3]}, '400 callback_urls.1'],
    ['unknown event', {events: ['deleted']}, '400 events.0'],
    ['no events', {events: []}, '400 events'],
    ['unknown channel type', {channel_types: ['X']}, '400 channel_types.0'],
    ['reserved header', {headers: {Host: 'x'}}, '400 headers.0'],
    ['header with a line break', {headers: {'X-A': 'ok', 'X-B': 'a\r\nb'}}, '400 headers.1'],
    ['bad header name', {headers: {'X Y': '1'}}, '400 headers.0'],
    ['max_attempts 0', {max_attempts: 0}, '400 max_attempts'],
    ['team id missing', {team_id: ''}, '400 team_id'],
  ];
  for (const [name, body, want] of cases) {
    it(name, () => assert.equal(fieldOf(() => validateOutgoing(outgoing(body))), want));
  }

  it('defaults give native behaviour', () => {
    const h = outgoing({});
    assert.deepEqual([h.match, h.events, h.channel_types, h.enabled, h.content_type], [{mode: 'first_word', case_insensitive: false}, ['posted'], ['O'], true, 'application/x-www-form-urlencoded']);
  });

  it('keeps extension fields a client left out, replaces native ones', () => {
    const prev = {...outgoing({match: {mode: 'anywhere', case_insensitive: true}, events: ['edited'], description: 'old'}), id: 'x'} as never;
    const next = readOutgoingInput(InputReader.fromBody({team_id: TEAM, callback_urls: ['https://x.y']}), prev);
    assert.deepEqual([next.match.mode, next.events, next.description, next.trigger_words], ['anywhere', ['edited'], '', []]);
  });
});

describe('incoming hook validation', () => {
  const incoming = (body: Record<string, unknown>) => readIncomingInput(InputReader.fromBody({channel_id: CHAN, ...body}), null);
  const cases: [string, Record<string, unknown>, string | undefined][] = [
    ['a valid hook', {}, undefined],
    ['no channel', {channel_id: ''}, '400 channel_id'],
    ['invalid username', {username: 'Bad Name'}, '400 username'],
    ['reserved username', {username: 'channel'}, '400 username'],
    ['good username', {username: 'ci-bot.v2'}, undefined],
    ['icon URL over 1024 bytes', {icon_url: 'x'.repeat(1025)}, '400 icon_url'],
    ['slack signature needs a secret', {signature: {mode: 'slack'}}, '400 signature.secret'],
    ['unknown signature mode', {signature: {mode: 'md5'}}, '400 signature.mode'],
    ['allowed IP that is not one', {allowed_ips: ['10.0.0.0/8', 'nope']}, '400 allowed_ips.1'],
    ['negative rate limit', {rate_limit: {per_minute: -1}}, '400 rate_limit.per_minute'],
    ['fractional rate limit', {rate_limit: {per_minute: 1.5}}, '400 rate_limit.per_minute'],
  ];
  for (const [name, body, want] of cases) {
    it(name, () => assert.equal(fieldOf(() => validateIncoming(incoming(body))), want));
  }
});

describe('safe regex', () => {
  const cases: [string, boolean][] = [
    ['deploy (\\w+)', true],
    ['^(foo|bar)-\\d+$', true],
    ['[a-z]+@example\\.com', true],
    ['(a+)+', false],
    ['(\\w*)*x', false],
    ['((ab)*)+', false],
    ['(x)\\1', false],
    ['(?<n>x)\\k<n>', false],
    ['(a{1,500})+', false],
  ];
  for (const [pattern, ok] of cases) {
    it(`${ok ? 'accepts' : 'refuses'} ${pattern}`, () => assert.equal(checkPattern(pattern) === null, ok));
  }

  it('runs patterns within a time budget and on a bounded prefix', () => {
    const timedOut: string[] = [];
    const runner = new RegexRunner({budgetMs: 20, maxInput: 100, onTimeout: (id) => timedOut.push(id)});
    // Built directly: saved hooks could never carry this pattern.
    const evil = /^(a|a)*$/;
    const started = Date.now();
    const out = runner.run([{id: 'ok', re: /ticket-\d+/}, {id: 'evil', re: evil}, {id: 'late', re: /needle/}], `${'a'.repeat(40)}b ticket-7`.padEnd(200, ' ') + 'needle');
    assert.deepEqual(Object.fromEntries(out), {ok: 'ticket-7', evil: null, late: null});
    assert.deepEqual(timedOut, ['evil']);
    assert.ok(Date.now() - started < 1000);
  });
});
