import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { egressPolicy, judgeAddress, parseCidr, parseIp } from '../../../src/net/egress-policy.js';

const DEFAULT = egressPolicy();

function refusedBy(address: string, policy = DEFAULT): string | undefined {
  const verdict = judgeAddress(policy, address);
  return verdict.allowed ? undefined : verdict.range.text;
}

describe('egress policy: parsing', () => {
  it('reads IPv4 dotted quads and nothing looser', () => {
    assert.equal(parseIp('192.168.1.10')?.value, 0xc0a8010an);
    assert.equal(parseIp('0.0.0.0')?.value, 0n);
    assert.equal(parseIp('255.255.255.255')?.value, 0xffffffffn);
    for (const bad of [
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '0x7f.0.0.1',
      '017.0.0.1',
      '127.1',
      '2130706433',
      ' 1.2.3.4',
      '',
    ])
      assert.equal(parseIp(bad), undefined, bad);
  });

  it('reads IPv6 with compression, IPv4 tails, brackets and zones', () => {
    assert.equal(parseIp('::1')?.value, 1n);
    assert.equal(parseIp('::')?.value, 0n);
    assert.equal(parseIp('[::1]')?.value, 1n);
    assert.equal(parseIp('fe80::1%eth0')?.value, (0xfe80n << 112n) | 1n);
    assert.equal(parseIp('::ffff:127.0.0.1')?.value, parseIp('::ffff:7f00:1')?.value);
    assert.equal(parseIp('1:2:3:4:5:6:7:8')?.value, 0x00010002000300040005000600070008n);
    assert.equal(parseIp('1::8')?.value, (1n << 112n) | 8n);
    for (const bad of [
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '12345::',
      'g::1',
      '1:2:3:4:5:6:7::8',
      '::ffff:1.2.3',
      ':::',
    ])
      assert.equal(parseIp(bad), undefined, bad);
  });

  it('reads ranges, zeroing host bits, and refuses bad prefixes', () => {
    const range = parseCidr('10.1.2.3/8');
    assert.equal(range?.base, 10n << 24n);
    assert.equal(range.prefix, 8);
    assert.equal(parseCidr('127.0.0.1')?.prefix, 32);
    assert.equal(parseCidr('::1')?.prefix, 128);
    for (const bad of [
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      'fe80::1%eth0/64',
      'example.com/8',
    ])
      assert.equal(parseCidr(bad), undefined, bad);
    assert.throws(() => egressPolicy(['10.0.0.0/33']), /not an IPv4 or IPv6 range/);
  });
});

describe('egress policy: default ranges', () => {
  it('refuses loopback, private, link-local (metadata), CGNAT, unspecified, multicast and reserved IPv4', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', '127.0.0.0/8'],
      ['127.255.255.254', '127.0.0.0/8'],
      ['10.96.0.1', '10.0.0.0/8'],
      ['172.16.0.1', '172.16.0.0/12'],
      ['172.31.255.255', '172.16.0.0/12'],
      ['192.168.0.1', '192.168.0.0/16'],
      ['169.254.169.254', '169.254.0.0/16'],
      ['100.64.0.1', '100.64.0.0/10'],
      ['100.100.100.200', '100.64.0.0/10'],
      ['0.0.0.0', '0.0.0.0/8'],
      ['224.0.0.1', '224.0.0.0/4'],
      ['255.255.255.255', '240.0.0.0/4'],
    ];
    for (const [address, range] of cases) assert.equal(refusedBy(address), range, address);
  });

  it('allows public IPv4 next to the edges of the denied ranges', () => {
    for (const address of [
      '8.8.8.8',
      '172.15.255.255',
      '172.32.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '169.253.255.255',
      '11.0.0.0',
      '223.255.255.255',
      '1.1.1.1',
    ])
      assert.equal(refusedBy(address), undefined, address);
  });

  it('refuses loopback, unique-local (fd00::/8), link-local, multicast and unspecified IPv6', () => {
    const cases: [string, string][] = [
      ['::1', '::1/128'],
      ['::', '::/128'],
      ['fd00:ec2::254', 'fc00::/7'],
      ['fc00::1', 'fc00::/7'],
      ['fe80::1', 'fe80::/10'],
      ['fe80::1%eth0', 'fe80::/10'],
      ['ff02::1', 'ff00::/8'],
      ['::7f00:1', '::/96'],
    ];
    for (const [address, range] of cases) assert.equal(refusedBy(address), range, address);
    assert.equal(refusedBy('2001:4860:4860::8888'), undefined);
  });

  it('judges IPv4-mapped and NAT64 IPv6 addresses as the IPv4 address they carry', () => {
    assert.equal(refusedBy('::ffff:127.0.0.1'), '127.0.0.0/8');
    assert.equal(refusedBy('::ffff:7f00:1'), '127.0.0.0/8');
    assert.equal(refusedBy('::ffff:169.254.169.254'), '169.254.0.0/16');
    assert.equal(refusedBy('64:ff9b::10.0.0.1'), '10.0.0.0/8');
    assert.equal(refusedBy('::ffff:8.8.8.8'), undefined);
  });

  it('refuses what is not an address', () => {
    assert.equal(judgeAddress(DEFAULT, 'localhost').allowed, false);
    assert.equal(judgeAddress(DEFAULT, '').allowed, false);
  });
});

describe('egress policy: allowed ranges', () => {
  it('lets an allowed range win over a denied one, and only inside it', () => {
    const policy = egressPolicy(['10.0.0.0/8', '127.0.0.1/32']);
    assert.equal(refusedBy('10.1.2.3', policy), undefined);
    assert.equal(refusedBy('127.0.0.1', policy), undefined);
    assert.equal(refusedBy('127.0.0.2', policy), '127.0.0.0/8');
    assert.equal(refusedBy('192.168.0.1', policy), '192.168.0.0/16');
    assert.equal(refusedBy('169.254.169.254', policy), '169.254.0.0/16');
  });

  it('applies an IPv4 allowance to the IPv4-mapped form, not to other IPv6', () => {
    const policy = egressPolicy(['127.0.0.1/32']);
    assert.equal(refusedBy('::ffff:127.0.0.1', policy), undefined);
    assert.equal(refusedBy('::1', policy), '::1/128');
    assert.equal(refusedBy('::1', egressPolicy(['::1/128'])), undefined);
  });

  it('names the allowing range in the verdict', () => {
    const verdict = judgeAddress(egressPolicy(['10.0.0.0/8']), '10.0.0.5');
    assert.equal(verdict.allowed && verdict.range?.text, '10.0.0.0/8');
  });
});
