import ipaddr from 'ipaddr.js';

// Whether a URL's host names this machine or anything but the public unicast internet: a deployed town
// must never post webhooks there (SSRF). The range tables are ipaddr.js's (kept up to date with the IANA
// special-purpose registries), not a hand-written list: an address is accepted only if ipaddr.js calls
// it `unicast` — so private, loopback, link-local, carrier-grade NAT, multicast, broadcast, reserved,
// site-local (fec0::/10), unique-local, discard, NAT64 (64:ff9b::/96 and 64:ff9b:1::/48), 6to4,
// Teredo and every other special range are refused. Host names are not resolved (see targets.ts).

/** Words for ipaddr.js's range names in an answer (a range not listed is named as ipaddr.js names it). */
const RANGE_WORDS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'shared address space (carrier-grade NAT)',
  private: 'private',
  reserved: 'reserved',
  uniqueLocal: 'unique local',
  deprecatedSiteLocal: 'site-local',
  discard: 'discard',
  rfc6145: 'IPv4-translated',
  rfc6052: 'NAT64',
  '6to4': '6to4',
  teredo: 'Teredo',
  benchmarking: 'benchmarking',
};

/** What kind of non-public host `hostname` (as `URL.hostname` gives it) is, or null for a public one. */
export function privateHostProblem(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback (localhost)';
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  if (host.startsWith('[') && host.endsWith(']')) {
    const inner = host.slice(1, -1);
    if (!ipaddr.IPv6.isValid(inner)) return 'not a valid IPv6 address';
    address = ipaddr.IPv6.parse(inner);
  } else if (ipaddr.IPv4.isValidFourPartDecimal(host)) {
    address = ipaddr.IPv4.parse(host);
  } else {
    return null; // a name (URL has already rewritten hex, octal and short IPv4 forms to dotted decimal)
  }
  if (address instanceof ipaddr.IPv6) {
    // An IPv4-mapped address is the IPv4 host it maps. (The deprecated IPv4-compatible ::a.b.c.d, which
    // ipaddr.js counts as unicast, reaches an IPv4 host too: refused below.)
    if (address.isIPv4MappedAddress()) {
      const mapped = privateHostProblem(address.toIPv4Address().toString());
      return mapped ? `IPv4-mapped ${mapped}` : null;
    }
  }
  const range = address.range();
  if (range !== 'unicast') return `${RANGE_WORDS[range] ?? range} (${address.kind() === 'ipv6' ? 'IPv6' : 'IPv4'} ${range})`;
  if (address instanceof ipaddr.IPv6 && address.parts.slice(0, 6).every((part) => part === 0)) return 'IPv4-compatible (::/96)';
  return null;
}
