// Whether a URL's host names this machine or a private network: a deployed town must never post
// webhooks there (SSRF). Works on the host as `new URL()` normalises it: IPv4 in dotted decimal
// (hex, octal and short forms are already rewritten), IPv6 in brackets, names lower-cased.

/** IPv4 ranges that are not the public internet: [first octets, prefix length, what]. */
const PRIVATE_IPV4: readonly [number[], number, string][] = [
  [[0], 8, 'this network (0.0.0.0/8)'],
  [[10], 8, 'private (10.0.0.0/8)'],
  [[100, 64], 10, 'shared address space (100.64.0.0/10)'],
  [[127], 8, 'loopback (127.0.0.0/8)'],
  [[169, 254], 16, 'link-local (169.254.0.0/16)'],
  [[172, 16], 12, 'private (172.16.0.0/12)'],
  [[192, 0, 0], 24, 'IETF protocol assignments (192.0.0.0/24)'],
  [[192, 168], 16, 'private (192.168.0.0/16)'],
  [[198, 18], 15, 'benchmarking (198.18.0.0/15)'],
  [[224], 4, 'multicast (224.0.0.0/4)'],
  // Includes the limited broadcast address 255.255.255.255.
  [[240], 4, 'reserved (240.0.0.0/4)'],
];

const toUint32 = ([a = 0, b = 0, c = 0, d = 0]: number[]) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

function parseIpv4(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

function ipv4Problem(octets: number[]): string | null {
  const address = toUint32(octets);
  for (const [first, bits, what] of PRIVATE_IPV4) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((address & mask) >>> 0 === (toUint32(first) & mask) >>> 0) return what;
  }
  return null;
}

/** The IPv4 address in two 16-bit groups, checked as an IPv4 host. */
const embeddedIpv4Problem = (high: number, low: number) => ipv4Problem([high >> 8, high & 0xff, low >> 8, low & 0xff]);

/** The eight 16-bit groups of an IPv6 address (without brackets), or null if it is not one. */
function parseIpv6(host: string): number[] | null {
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes its two hex groups first.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  let text = host;
  if (dotted) {
    const v4 = parseIpv4(dotted[2] ?? '');
    if (!v4) return null;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    text = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string | undefined) =>
    part ? part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : Number.NaN)) : [];
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  return all.every((g) => Number.isInteger(g)) ? all : null;
}

function ipv6Problem(groups: number[]): string | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (upperZero && g5 === 0 && g6 === 0 && g7 <= 1) return g7 === 1 ? 'loopback (::1)' : 'unspecified (::)';
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) carry an IPv4 address.
  if (upperZero && (g5 === 0xffff || g5 === 0)) {
    const v4 = embeddedIpv4Problem(g6, g7);
    if (v4) return `IPv4-mapped ${v4}`;
  }
  // NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::) gateways forward to the IPv4 address they embed.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    const v4 = embeddedIpv4Problem(g6, g7);
    if (v4) return `NAT64 (64:ff9b::/96) ${v4}`;
  }
  if (g0 === 0x2002) {
    const v4 = embeddedIpv4Problem(g1, g2);
    if (v4) return `6to4 (2002::/16) ${v4}`;
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'unique local (fc00::/7)';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local (fe80::/10)';
  return null;
}

/** What kind of non-public host `hostname` (as `URL.hostname` gives it) is, or null for a public one. */
export function privateHostProblem(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback (localhost)';
  if (host.startsWith('[') && host.endsWith(']')) {
    const groups = parseIpv6(host.slice(1, -1));
    return groups ? ipv6Problem(groups) : 'not a valid IPv6 address';
  }
  const v4 = parseIpv4(host);
  return v4 ? ipv4Problem(v4) : null;
}
