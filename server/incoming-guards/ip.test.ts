import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {cidrContains, clientIp, formatIp, IpAllowList, parseCidr, parseHostPort, parseIp, type IpAddress} from './ip.js';

const ip = (s: string): IpAddress => {
  const v = parseIp(s);
  assert.ok(v, `expected ${s} to parse`);
  return v;
};
const req = (remoteAddr: string, xff?: string | string[]): {remoteAddr: string; headers: Record<string, string[]>} => ({remoteAddr, headers: xff === undefined ? {} : {'x-forwarded-for': typeof xff === 'string' ? [xff] : xff}});

describe('IP parsing', () => {
  it('parses IPv4 strictly', () => {
    assert.deepEqual([...ip('192.168.1.20').bytes], [192, 168, 1, 20]);
    for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4 x', '', '1..2.3', '-1.2.3.4', '0x7f.0.0.1']) assert.equal(parseIp(bad), null, bad);
  });

  it('parses IPv6 text forms and formats them back (RFC 5952)', () => {
    const cases: [string, string][] = [
      ['::', '::'],
      ['::1', '::1'],
      ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8::', '2001:db8::'],
      ['fe80::1:2', 'fe80::1:2'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
      ['::ffff:10.1.2.3', '::ffff:a01:203'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ];
    for (const [input, out] of cases) assert.equal(formatIp(ip(input)), out, input);
    for (const bad of [':::', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', '1.2.3.4::', ':1::', 'fe80::1%eth0', '::1.2.3', '1:2:3:4:5:6:7']) assert.equal(parseIp(bad), null, bad);
  });

  it('parses CIDRs, clears host bits, and matches v4, v6 and v4-mapped addresses', () => {
    const c = parseCidr('10.1.2.3/8')!;
    assert.equal(formatIp(c.network), '10.0.0.0');
    assert.equal(cidrContains(c, ip('10.255.0.1')), true);
    assert.equal(cidrContains(c, ip('11.0.0.1')), false);
    assert.equal(cidrContains(c, ip('::ffff:10.9.9.9')), true, 'mapped address matches v4 range');
    assert.equal(cidrContains(c, ip('::a09:909')), false);
    const odd = parseCidr('192.168.4.0/22')!;
    assert.equal(cidrContains(odd, ip('192.168.7.255')), true);
    assert.equal(cidrContains(odd, ip('192.168.8.0')), false);
    const v6 = parseCidr('2001:db8:abcd::/47')!;
    assert.equal(cidrContains(v6, ip('2001:db8:abcd:1::5')), true);
    assert.equal(cidrContains(v6, ip('2001:db8:abce::5')), false);
    assert.equal(cidrContains(v6, ip('10.0.0.1')), false);
    assert.equal(cidrContains(parseCidr('0.0.0.0/0')!, ip('8.8.8.8')), true);
    assert.equal(cidrContains(parseCidr('::/0')!, ip('8.8.8.8')), false, 'v6 any does not swallow v4');
    assert.equal(cidrContains(parseCidr('::ffff:10.0.0.0/104')!, ip('10.2.3.4')), true);
    assert.equal(parseCidr('1.2.3.4')!.prefix, 32);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '::/129', 'x/8', '10.0.0.0/8/9']) assert.equal(parseCidr(bad), null, bad);
  });

  it('allow-lists report invalid entries', () => {
    const {list, invalid} = IpAllowList.parse(['10.0.0.0/8', ' 2001:db8::/32 ', 'nonsense', '', '300.1.1.1']);
    assert.equal(list.size, 2);
    assert.deepEqual(invalid, ['nonsense', '300.1.1.1']);
    assert.equal(list.contains(ip('2001:db8::1')), true);
    assert.equal(list.contains(ip('192.0.2.1')), false);
  });

  it('reads host:port forms', () => {
    assert.equal(formatIp(parseHostPort('1.2.3.4:5678')!), '1.2.3.4');
    assert.equal(formatIp(parseHostPort('[::1]:80')!), '::1');
    assert.equal(formatIp(parseHostPort('[fe80::1%eth0]:80')!), 'fe80::1');
    assert.equal(formatIp(parseHostPort('2001:db8::7')!), '2001:db8::7');
    assert.equal(formatIp(parseHostPort('"10.0.0.1"')!), '10.0.0.1');
    for (const bad of ['1.2.3.4:', '1.2.3.4:x', '[::1', '[::1]x', 'unknown', '']) assert.equal(parseHostPort(bad), null, bad);
  });
});

describe('client address', () => {
  it('ignores X-Forwarded-For unless the server is behind a proxy', () => {
    assert.equal(formatIp(clientIp(req('10.0.0.5:1234', '1.1.1.1'))!), '10.0.0.5');
  });

  it('takes the rightmost entry with one untrusted-list proxy hop, ignoring what the client wrote', () => {
    const r = req('10.0.0.5:1234', ['6.6.6.6, 203.0.113.9']);
    assert.equal(formatIp(clientIp(r, {behindProxy: true})!), '203.0.113.9');
    assert.equal(formatIp(clientIp(req('10.0.0.5:1', []), {behindProxy: true})!), '10.0.0.5');
  });

  it('walks back through trusted proxies, and distrusts connections not from them', () => {
    const opts = {behindProxy: true, trustedProxies: ['10.0.0.0/8', 'fd00::/8']};
    assert.equal(formatIp(clientIp(req('10.0.0.5:1', ['6.6.6.6, 203.0.113.9', '10.1.1.1:443, [fd00::2]:80']), opts)!), '203.0.113.9');
    assert.equal(formatIp(clientIp(req('198.51.100.7:1', '203.0.113.9'), opts)!), '198.51.100.7');
    assert.equal(clientIp(req('10.0.0.5:1', 'garbage, 10.1.1.1'), opts), null, 'an unparsable hop is unknown, not skipped');
    assert.equal(formatIp(clientIp(req('10.0.0.5:1', '10.2.2.2, 10.1.1.1'), opts)!), '10.2.2.2');
  });
});
