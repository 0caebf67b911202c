// Lists of network settings (CIDR blocks, subnet and security group ids) and URLs, compared the
// same way by the constructs (duplicates refused at synth) and the handler (what the workforce or
// client has against what the stack sets). Pure: no AWS calls.
import { isIPv4, isIPv6 } from 'net';

/**
 * True when `b` holds the same items as `a`, each as many times, in any order. `key` says which
 * items are the same (by default the string itself). A comparison that ignored how often an item
 * occurs would count ['A', 'A'] equal to ['A', '0.0.0.0/0'].
 */
export function sameItems(a: readonly string[], b: readonly string[] | undefined, key: (item: string) => string = (item) => item): boolean {
  if (b === undefined || a.length !== b.length) {
    return false;
  }
  const counts = new Map<string, number>();
  for (const item of a) {
    counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  }
  for (const item of b) {
    const left = counts.get(key(item)) ?? 0;
    if (left === 0) {
      return false;
    }
    counts.set(key(item), left - 1);
  }
  return true;
}

/** The first two items of a list that `key` says are the same, in list order; undefined when there are none. */
export function firstRepeat(items: readonly string[], key: (item: string) => string = (item) => item): [string, string] | undefined {
  const seen = new Map<string, string>();
  for (const item of items) {
    const earlier = seen.get(key(item));
    if (earlier !== undefined) {
      return [earlier, item];
    }
    seen.set(key(item), item);
  }
  return undefined;
}

/**
 * A CIDR block as SageMaker's API model takes it (`Cidr` in botocore's sagemaker model: a prefix
 * length without leading zeros, 0-32 for IPv4 and 0-128 for IPv6, and no IPv6 address with a
 * dotted IPv4 part such as "::ffff:192.0.2.1", which its pattern does not match), with its address family and the
 * network it stands for in one spelling: the address with the host bits cleared, IPv6 in full
 * lower-case hex. "2001:DB8::/32", "2001:db8:0::/32" and "2001:db8::1/32" are one network.
 * Undefined when the text is no such block.
 */
export function parseCidr(cidr: string): { readonly family: 'ipv4' | 'ipv6'; readonly network: string } | undefined {
  const match = /^([^/]+)\/(0|[1-9][0-9]{0,2})$/.exec(cidr);
  if (!match) {
    return undefined;
  }
  const [, address, prefixText] = match;
  const prefix = Number(prefixText);
  const family = isIPv4(address) && prefix <= 32 ? 'ipv4' : isIPv6(address) && !address.includes('.') && prefix <= 128 ? 'ipv6' : undefined;
  if (!family) {
    return undefined;
  }
  const zone = address.indexOf('%'); // an IPv6 zone index: kept as written
  const groups = family === 'ipv4' ? ipv4Groups(address) : ipv6Groups(zone < 0 ? address : address.slice(0, zone));
  // Each 16-bit group keeps the bits of the prefix that fall into it; the host bits become 0.
  const masked = groups.map((group, i) => {
    const hostBits = 16 - Math.min(Math.max(prefix - i * 16, 0), 16);
    return Math.floor(group / 2 ** hostBits) * 2 ** hostBits;
  });
  return { family, network: `${family} ${masked.map((g) => g.toString(16).padStart(4, '0')).join(':')}${zone < 0 ? '' : address.slice(zone)}/${prefix}` };
}

/** What tells CIDR blocks apart: the network they stand for, or the text itself when it is no CIDR block (a token). */
export function cidrKey(cidr: string): string {
  return parseCidr(cidr)?.network ?? cidr;
}

/** The 32 bits of an IPv4 address as two 16-bit groups. */
function ipv4Groups(address: string): number[] {
  const octets = address.split('.').map(Number);
  return [octets[0] * 256 + octets[1], octets[2] * 256 + octets[3]];
}

/** The eight 16-bit groups of a valid IPv6 address without a dotted IPv4 part (`::` expanded). */
function ipv6Groups(address: string): number[] {
  const text = address.toLowerCase();
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.map((group) => parseInt(group, 16));
}
