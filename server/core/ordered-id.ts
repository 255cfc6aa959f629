// Ids that sort by creation time (UUID version 7, RFC 9562): still UUIDs on the wire, but rows keyed
// by them are appended at the end of their B-tree instead of landing at random pages, so inserting
// into a table of 100,000 rows costs what it cost at 1,000 (bench/big-convoy).

let lastMs = 0;
let sequence = 0;

/** A UUIDv7: 48 bits of Unix ms, a 12-bit sequence within the ms (so ids of one call keep their order), random bits. */
export function orderedId(nowMs = Date.now()): string {
  if (nowMs <= lastMs) {
    sequence += 1;
    if (sequence > 0xfff) {
      // More than 4,096 ids in one ms: borrow the next ms, keeping the order.
      lastMs += 1;
      sequence = 0;
    }
  } else {
    lastMs = nowMs;
    sequence = 0;
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = lastMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
