/**
 * Which addresses the controller may connect to for tenant-controlled URLs (notification sinks, delivery
 * analysis, registries, pull-request APIs). Pure: parses IPv4/IPv6 addresses and CIDR ranges and answers
 * whether one address is allowed. An address is refused when a denied range holds it and no allowed range
 * does; by default every loopback, private, link-local, carrier-grade NAT, unspecified, multicast and reserved
 * range is denied, so only public addresses are reached unless an operator allows more.
 */

/** An address as a number: 32 bits (IPv4) or 128 bits (IPv6). */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** A range of addresses: `base/prefix`, with what it is for messages. */
export interface Cidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
  /** The range as written, e.g. `10.0.0.0/8`. */
  text: string;
  /** What the range is, e.g. `private (RFC 1918)`; the operator's ranges are `allowed by --egress-allow-cidr`. */
  label: string;
}

/** Allowed ranges win over denied ones. */
export interface EgressPolicy {
  allow: readonly Cidr[];
  deny: readonly Cidr[];
}

export type EgressVerdict =
  | { allowed: true; address: string; range?: Cidr | undefined }
  | { allowed: false; address: string; range: Cidr };

const DEFAULT_DENIED: readonly [string, string][] = [
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private (RFC 1918)'],
  ['100.64.0.0/10', 'carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['172.16.0.0/12', 'private (RFC 1918)'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.168.0.0/16', 'private (RFC 1918)'],
  ['198.18.0.0/15', 'benchmarking (RFC 2544)'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved and broadcast'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['fc00::/7', 'unique local (incl. fd00::/8)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
];

/** The ranges denied unless allowed, with what each is. */
export const DEFAULT_DENIED_RANGES: readonly Cidr[] = DEFAULT_DENIED.map(([text, label]) =>
  mustParseCidr(text, label),
);

/** The default policy with the operator's allowed ranges (`--egress-allow-cidr`). Throws on a bad range. */
export function egressPolicy(allowCidrs: readonly string[] = []): EgressPolicy {
  return {
    allow: allowCidrs.map((text) => {
      const cidr = parseCidr(text, 'allowed by --egress-allow-cidr');
      if (cidr === undefined)
        throw new RangeError(`"${text}" is not an IPv4 or IPv6 range (e.g. 10.0.0.0/8)`);
      return cidr;
    }),
    deny: DEFAULT_DENIED_RANGES,
  };
}

/**
 * Whether `address` (as connected to, or as DNS answered) may be reached. IPv4-mapped (`::ffff:a.b.c.d`) and
 * NAT64 (`64:ff9b::a.b.c.d`) addresses are judged as the IPv4 address they carry. Something that is not an
 * address is refused.
 */
export function judgeAddress(policy: EgressPolicy, address: string): EgressVerdict {
  const parsed = parseIp(address);
  if (parsed === undefined) return { allowed: false, address, range: NOT_AN_ADDRESS };
  const effective = embeddedIpv4(parsed) ?? parsed;
  const allowedBy = policy.allow.find((cidr) => contains(cidr, effective) || contains(cidr, parsed));
  if (allowedBy !== undefined) return { allowed: true, address, range: allowedBy };
  const deniedBy = policy.deny.find((cidr) => contains(cidr, effective) || contains(cidr, parsed));
  return deniedBy === undefined ? { allowed: true, address } : { allowed: false, address, range: deniedBy };
}

const NOT_AN_ADDRESS: Cidr = { family: 4, base: 0n, prefix: 32, text: '-', label: 'not an IP address' };

/** Whether `cidr` holds `address`. */
export function contains(cidr: Cidr, address: IpAddress): boolean {
  if (cidr.family !== address.family) return false;
  const bits = cidr.family === 4 ? 32 : 128;
  const shift = BigInt(bits - cidr.prefix);
  return address.value >> shift === cidr.base >> shift;
}

/** `a.b.c.d/n` or `ipv6/n`; a bare address is a single-address range. Undefined when not a range. */
export function parseCidr(text: string, label = ''): Cidr | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  if (addressText.includes('%')) return undefined;
  const address = parseIp(addressText);
  if (address === undefined) return undefined;
  const bits = address.family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > bits) return undefined;
  }
  const shift = BigInt(bits - prefix);
  return { family: address.family, base: (address.value >> shift) << shift, prefix, text: trimmed, label };
}

function mustParseCidr(text: string, label: string): Cidr {
  const cidr = parseCidr(text, label);
  if (cidr === undefined) throw new Error(`bad built-in range ${text}`);
  return cidr;
}

/** A dotted-quad IPv4 or an IPv6 address (`::` compression, IPv4 tail, `%zone` ignored). */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Decimal only, no leading zeros: "010" is octal to some resolvers and decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(raw: string): bigint | undefined {
  const zone = raw.indexOf('%');
  let text = zone < 0 ? raw : raw.slice(0, zone);
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // An IPv4 tail is two groups written another way.
    const v4 = parseIpv4(last);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined): bigint[] | undefined => {
    if (part === undefined || part === '') return [];
    const groups: bigint[] = [];
    for (const group of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
      groups.push(BigInt(`0x${group}`));
    }
    return groups;
  };
  const head = groupsOf(halves[0]);
  const rest = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (head === undefined || rest === undefined) return undefined;
  const known = head.length + rest.length;
  let groups: bigint[];
  if (halves.length === 2) {
    if (known > 7) return undefined;
    groups = [...head, ...new Array<bigint>(8 - known).fill(0n), ...rest];
  } else {
    if (known !== 8) return undefined;
    groups = head;
  }
  return groups.reduce((value, group) => (value << 16n) | group, 0n);
}

const MAPPED = mustParseCidr('::ffff:0:0/96', 'IPv4-mapped');
const NAT64 = mustParseCidr('64:ff9b::/96', 'NAT64');

/** The IPv4 address an IPv4-mapped or NAT64 IPv6 address carries. */
function embeddedIpv4(address: IpAddress): IpAddress | undefined {
  if (address.family !== 6) return undefined;
  if (contains(MAPPED, address) || contains(NAT64, address))
    return { family: 4, value: address.value & 0xffffffffn };
  return undefined;
}

/** A range for messages: what it is and how it is written. */
export function describeRange(cidr: Cidr): string {
  return cidr.label === '' ? cidr.text : `${cidr.label}, ${cidr.text}`;
}
