import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {backoffDelay, classifyError, classifyResponse, DEFAULT_RETRY_POLICY, effectiveMaxAttempts, parseRetryAfter, retryDelay} from './retry.js';

const NOW = Date.UTC(2025, 0, 1, 0, 0, 0);
const policy = (r: number) => ({...DEFAULT_RETRY_POLICY, random: () => r});

describe('retry policy', () => {
  it('backs off exponentially with full jitter, capped at 10 minutes', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy(0.999999))), [999, 1999, 3999, 7999, 15999]);
    assert.equal(backoffDelay(3, policy(0)), 0);
    assert.equal(backoffDelay(3, policy(0.5)), 2000);
    assert.equal(backoffDelay(30, policy(0.999999)), 599_999);
    assert.equal(backoffDelay(2000, policy(0.5)), 300_000, 'huge attempt numbers stay finite');
  });

  it('classifies statuses', () => {
    assert.equal(classifyResponse(200, {}, NOW).kind, 'success');
    assert.equal(classifyResponse(204, {}, NOW).kind, 'success');
    for (const s of [500, 502, 503, 504, 408, 429]) assert.equal(classifyResponse(s, {}, NOW).kind, 'retry', String(s));
    for (const s of [301, 400, 401, 403, 404, 422]) assert.equal(classifyResponse(s, {}, NOW).kind, 'fail', String(s));
    assert.equal(classifyResponse(410, {}, NOW).kind, 'gone');
  });

  it('reads Retry-After in seconds or as an HTTP date, and caps it', () => {
    assert.equal(parseRetryAfter('120', NOW), 120_000);
    assert.equal(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW), 90_000);
    assert.equal(parseRetryAfter(new Date(NOW - 5_000).toUTCString(), NOW), 0);
    assert.equal(parseRetryAfter('soon', NOW), null);
    assert.equal(parseRetryAfter('-5', NOW), null);
    assert.equal(parseRetryAfter(undefined, NOW), null);
    const v = classifyResponse(429, {'retry-after': '30'}, NOW);
    assert.deepEqual(v, {kind: 'retry', reason: 'HTTP 429', retryAfterMs: 30_000});
    assert.equal(retryDelay({kind: 'retry', reason: '', retryAfterMs: 30_000}, 1, policy(0.5)), 30_000);
    assert.equal(retryDelay({kind: 'retry', reason: '', retryAfterMs: 86_400_000}, 1, policy(0.5)), 600_000);
    assert.equal(retryDelay({kind: 'retry', reason: ''}, 2, policy(0.5)), 1000);
  });

  it('classifies errors: timeouts and connection errors retry, marked or permanent ones do not', () => {
    const timeout = Object.assign(new Error('x'), {name: 'TimeoutError'});
    assert.deepEqual(classifyError(timeout, 5000), {kind: 'retry', reason: 'timed out after 5000 ms'});
    const refused = Object.assign(new TypeError('fetch failed'), {cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'})});
    assert.deepEqual(classifyError(refused), {kind: 'retry', reason: 'connect ECONNREFUSED 127.0.0.1:1'});
    const ssrf = Object.assign(new Error('address forbidden'), {retryable: false});
    assert.deepEqual(classifyError(ssrf), {kind: 'fail', reason: 'address forbidden'});
    assert.equal(classifyError(Object.assign(new TypeError('Invalid URL'), {code: 'ERR_INVALID_URL'})).kind, 'fail');
    assert.equal(classifyError(new Error('something odd')).kind, 'retry');
    for (const name of ['ForbiddenAddressError', 'ResponseTooLargeError', 'RedirectError']) assert.equal(classifyError(Object.assign(new Error('no'), {name})).kind, 'fail', name);
    assert.equal(classifyError(Object.assign(new Error('lookup failed'), {name: 'ResolveError'})).kind, 'retry');
  });

  it('defaults and clamps max_attempts', () => {
    assert.deepEqual([undefined, 0, -1, NaN, 1, 3, 7.9, 99].map(effectiveMaxAttempts), [3, 3, 3, 3, 1, 3, 7, 20]);
  });
});
