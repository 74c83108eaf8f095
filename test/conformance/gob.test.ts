// gob against Go's encoding/gob: every case goes Go → TS → Go and TS → Go → TS.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {Decoder, Encoder, type GoType} from '../../server/wire/gob/index.js';
import {appErrorType, channelType, commandResponseType, errorStringType, openDialogRequestType, postType, teamType, userType} from '../../server/mattermost/model.js';
import {goBinary, JsonLineProcess} from './support.js';

interface Answer {
  ok: boolean;
  error?: string;
  hex?: string;
  cases?: string[];
  got?: string;
}

// Cases whose Go type is one of our declared model descriptors: encode with it, not with the wire's.
const declared: Record<string, GoType> = {
  post_full: postType,
  post_minimal: postType,
  channel: channelType,
  user: userType,
  team: teamType,
  app_error: appErrorType,
  error_string: errorStringType,
  command_response: commandResponseType,
  dialog_request: openDialogRequestType,
};

function decodeOne(hex: string): {value: unknown; type: GoType} {
  const d = new Decoder();
  d.feed(Buffer.from(hex, 'hex'));
  const got = d.decode();
  assert.ok(got, 'a complete value');
  assert.equal(d.buffered, 0, 'no trailing bytes');
  return {value: got.value, type: d.descriptorOf(got.typeId)};
}

describe('gob interop with Go encoding/gob', () => {
  let go: JsonLineProcess;
  let cases: string[];

  before(async () => {
    go = new JsonLineProcess(goBinary('gobcheck'), ['serve']);
    const list = await go.request<Answer>({op: 'list'});
    cases = list.cases ?? [];
  });
  after(() => go.close());

  it('has the full case list', () => {
    assert.ok(cases.length >= 60, `only ${cases.length} cases`);
    for (const name of Object.keys(declared)) assert.ok(cases.includes(name), name);
  });

  it('Go → TS decode → TS encode → Go decodes the same value, for every case', async () => {
    const failed: string[] = [];
    for (const name of cases) {
      const enc = await go.request<Answer>({op: 'encode', case: name});
      assert.ok(enc.ok, `${name}: ${enc.error}`);
      const {value, type} = decodeOne(enc.hex!);
      const ours = Buffer.from(new Encoder().encode(value, type)).toString('hex');
      const verdict = await go.request<Answer>({op: 'verify', case: name, hex: ours});
      if (!verdict.ok) failed.push(`${name}: ${verdict.error}`);
    }
    assert.deepEqual(failed, []);
  });

  it('encodes Mattermost structs with the declared model descriptors that Go accepts', async () => {
    const failed: string[] = [];
    for (const [name, type] of Object.entries(declared)) {
      const enc = await go.request<Answer>({op: 'encode', case: name});
      const {value} = decodeOne(enc.hex!);
      const verdict = await go.request<Answer>({op: 'verify', case: name, hex: Buffer.from(new Encoder().encode(value, type)).toString('hex')});
      if (!verdict.ok) failed.push(`${name}: ${verdict.error}`);
    }
    assert.deepEqual(failed, []);
  });

  it('TS encode → Go decode and re-encode → TS decodes the same value, for every case', async () => {
    const failed: string[] = [];
    for (const name of cases) {
      const enc = await go.request<Answer>({op: 'encode', case: name});
      const {value, type} = decodeOne(enc.hex!);
      const back = await go.request<Answer>({op: 'reencode', case: name, hex: Buffer.from(new Encoder().encode(value, type)).toString('hex')});
      if (!back.ok) {
        failed.push(`${name}: ${back.error}`);
        continue;
      }
      try {
        assert.deepEqual(decodeOne(back.hex!).value, value);
      } catch (err) {
        failed.push(`${name}: ${(err as Error).message.slice(0, 400)}`);
      }
    }
    assert.deepEqual(failed, []);
  });

  it('Go rejects a value that differs from the case (the check can fail)', async () => {
    const enc = await go.request<Answer>({op: 'encode', case: 'post_minimal'});
    const {value} = decodeOne(enc.hex!);
    const changed = {...(value as Record<string, unknown>), Message: 'something else'};
    const verdict = await go.request<Answer>({op: 'verify', case: 'post_minimal', hex: Buffer.from(new Encoder().encode(changed, postType)).toString('hex')});
    assert.equal(verdict.ok, false);
  });

  it('keeps int64 and uint64 beyond 2^53 exact', async () => {
    for (const [name, want] of [['int64_max', 2n ** 63n - 1n], ['int64_min', -(2n ** 63n)], ['uint64_max', 2n ** 64n - 1n], ['int64_2p53_plus1', 2n ** 53n + 1n]] as const) {
      const enc = await go.request<Answer>({op: 'encode', case: name});
      assert.equal(decodeOne(enc.hex!).value, want, name);
    }
  });
});
