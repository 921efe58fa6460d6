// Which IP addresses a webhook may never reach from the deployed stack: anything inside the VPC or the host (private,
// loopback, link-local, the instance metadata service, carrier-grade NAT, multicast, unspecified). Pure
// classification; the HTTP adapter resolves the host name and asks this for every address it got.
import { BlockList, isIP } from 'node:net';

type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'metadata'
  | 'shared'
  | 'multicast'
  | 'unspecified'
  | 'reserved'
  | 'invalid';

function list(entries: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const b = new BlockList();
  for (const [net, prefix, type] of entries) b.addSubnet(net, prefix, type);
  return b;
}

// order matters: metadata before link-local (169.254.169.254 is both)
const CLASSES: [Exclude<AddressClass, 'public' | 'invalid'>, BlockList][] = [
  ['metadata', list([['169.254.169.254', 32, 'ipv4'], ['169.254.170.2', 32, 'ipv4'], ['fd00:ec2::254', 128, 'ipv6']])],
  ['unspecified', list([['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']])],
  ['loopback', list([['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']])],
  ['private', list([['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['fc00::', 7, 'ipv6']])],
  ['link_local', list([['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']])],
  ['shared', list([['100.64.0.0', 10, 'ipv4']])],
  ['multicast', list([['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']])],
  [
    'reserved',
    list([
      ['240.0.0.0', 4, 'ipv4'],
      ['192.0.0.0', 24, 'ipv4'],
      ['192.0.2.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['198.51.100.0', 24, 'ipv4'],
      ['203.0.113.0', 24, 'ipv4'],
      ['2001:db8::', 32, 'ipv6'],
      ['64:ff9b::', 96, 'ipv6'],
    ]),
  ],
];

/** An IPv4 address hidden in IPv6 (::ffff:10.0.0.1, ::ffff:a00:1) is judged as the IPv4 address it is. */
function unwrapMapped(address: string): string {
  const lower = address.toLowerCase().replace(/^\[|\]$/g, '');
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = Number.parseInt(hex[1]!, 16);
    const lo = Number.parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return lower;
}

export function classifyAddress(address: string): AddressClass {
  const ip = unwrapMapped(address);
  const family = isIP(ip);
  if (family === 0) return 'invalid';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, block] of CLASSES) if (block.check(ip, type)) return cls;
  return 'public';
}

/** Deployed: public only. Locally loopback is allowed too (the receiver of a test or a developer runs on 127.0.0.1). */
export function addressAllowed(cls: AddressClass, opts: { allowLoopback: boolean }): boolean {
  return cls === 'public' || (opts.allowLoopback && cls === 'loopback');
}
