import { describe, expect, it } from 'vitest';
import { BULK_JSON_MAX_CHARS, jsonChunks } from '../../server/core/bulk-json';
import { orderedId } from '../../server/core/ordered-id';

describe('bulk JSON chunks', () => {
  it('keeps every row, in order, each chunk under the cap (a row larger than the cap alone)', () => {
    const big = 'x'.repeat(BULK_JSON_MAX_CHARS / 4);
    const rows = [...Array.from({ length: 10 }, (_, i) => [i, big]), ['alone', 'y'.repeat(BULK_JSON_MAX_CHARS)], ['last']];
    const chunks = jsonChunks(rows);
    expect(chunks.flatMap((c) => JSON.parse(c))).toEqual(rows);
    const oversize = chunks.filter((c) => c.length > BULK_JSON_MAX_CHARS);
    expect(oversize.map((c) => JSON.parse(c).length)).toEqual([1]);
    expect(chunks.length).toBeGreaterThan(3);
    expect(jsonChunks([])).toEqual([]);
  });
});

describe('ordered ids', () => {
  it('are UUIDv7 strings that sort in the order they were made, also many within one ms', () => {
    const ids = Array.from({ length: 10_000 }, () => orderedId(1_800_000_000_000));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(orderedId(1_900_000_000_000) > (ids.at(-1) ?? '')).toBe(true);
  });
});
