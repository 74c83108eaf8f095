import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {redactHeaders, redactUrl, storeBody} from './redact.js';
import {percentile, addSample, toBucket} from './stats.js';
import {mergeHeaders} from './request.js';

describe('redaction and bounded bodies', () => {
  it('redacts authenticating headers by name', () => {
    const out = redactHeaders({Authorization: 'a', 'proxy-authorization': 'b', Cookie: 'c', 'X-API-Key': 'd', 'X-My-Secret': 'e', 'X-Auth-Token': 'f', 'X-Hub-Signature-256': 'g', 'Content-Type': 'json', 'X-Hookbridge-Delivery': 'id'});
    assert.deepEqual(out, {Authorization: '[redacted]', 'proxy-authorization': '[redacted]', Cookie: '[redacted]', 'X-API-Key': '[redacted]', 'X-My-Secret': '[redacted]', 'X-Auth-Token': '[redacted]', 'X-Hub-Signature-256': '[redacted]', 'Content-Type': 'json', 'X-Hookbridge-Delivery': 'id'});
  });

  it('redacts URL passwords and token-like query values, and leaves bad URLs alone', () => {
    assert.equal(redactUrl('https://u:p@h.example/x?api_key=1&q=2&access_token=3'), 'https://u:[redacted]@h.example/x?api_key=[redacted]&q=2&access_token=[redacted]');
    assert.equal(redactUrl('https://h.example/x'), 'https://h.example/x');
    assert.equal(redactUrl('not a url'), 'not a url');
  });

  it('keeps small bodies exact, cuts large ones on a character boundary, flags invalid UTF-8', () => {
    assert.deepEqual(storeBody(Buffer.from('héllo'), 100), {text: 'héllo', exact: true});
    const cut = storeBody(Buffer.from('aé'), 2);
    assert.deepEqual(cut, {text: 'a\n…[truncated: 3 bytes, first 1 kept]', exact: false});
    assert.equal(storeBody(Buffer.from([0xff, 0x41]), 100).exact, false);
    const emoji = storeBody(Buffer.from('ab😀cd'), 4);
    assert.equal(emoji.text.split('\n')[0], 'ab');
  });
});

describe('stats and headers', () => {
  it('percentiles of binned latencies are within 5%', () => {
    let s = null;
    for (let ms = 1; ms <= 1000; ms++) s = addSample(s, ms % 10 !== 0, ms);
    const b = toBucket(0, s);
    assert.equal(b.total, 1000);
    assert.equal(b.failed, 100);
    assert.ok(Math.abs(b.p50_ms - 500) / 500 < 0.05, String(b.p50_ms));
    assert.ok(Math.abs(b.p95_ms - 950) / 950 < 0.05, String(b.p95_ms));
    assert.equal(percentile({}, 0.5), 0);
  });

  it('merges headers case-insensitively, later wins, framing headers dropped', () => {
    assert.deepEqual(mergeHeaders({'content-type': 'a', Host: 'x'}, {'Content-Type': 'b', 'x-one': '1', 'Content-Length': '9'}), {'Content-Type': 'b', 'X-One': '1'});
  });
});
