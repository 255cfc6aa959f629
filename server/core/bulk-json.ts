// Rows written in bulk: one statement per chunk of rows, passed as one JSON array and unpacked by
// SQLite's `json_each`. One statement per row cost more in the statement round trip than in SQLite
// itself (bench/convoy-create).

/**
 * Largest JSON text one statement carries, in UTF-16 code units. DO SQLite caps a string value at
 * 2 MB; a code unit is at most 3 bytes of UTF-8, so a chunk stays under 1.5 MB. A bead is at most
 * ~10,200 characters, so a chunk holds many.
 */
export const BULK_JSON_MAX_CHARS = 500_000;

/** `rows` as JSON arrays of at most `BULK_JSON_MAX_CHARS` characters each (a single huge row alone). */
export function jsonChunks(rows: readonly unknown[]): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let size = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    if (parts.length > 0 && size + json.length + 1 > BULK_JSON_MAX_CHARS) {
      chunks.push(`[${parts.join(',')}]`);
      parts = [];
      size = 2;
    }
    parts.push(json);
    size += json.length + 1;
  }
  if (parts.length > 0) chunks.push(`[${parts.join(',')}]`);
  return chunks;
}
