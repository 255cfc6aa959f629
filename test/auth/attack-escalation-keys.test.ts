import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { client, newTownId } from '../helpers';
import { dumpTown } from '../town-dump';
import { settle } from '../town-helpers';
import { issueToken } from './token-helpers';

// Finding 1 of the attacker's run: a refused call still wrote. Rig R1 raised with a dedup key rig R2
// held: R1 got 403, yet R2's escalation was upgraded and counted, and the Mayor was told. Keys are now
// scoped per source (PagerDuty's dedup_key per service): every answer is R1's own, nothing of R2 moves.

const admin = client();

async function twoRigs() {
  const townId = newTownId('attack-keys');
  const r1 = await admin.rig.register.mutate({ townId, name: 'r1' });
  const r2 = await admin.rig.register.mutate({ townId, name: 'r2' });
  const asR1 = client((await issueToken(townId, 'rig', r1.id)).token);
  const asR2 = client((await issueToken(townId, 'rig', r2.id)).token);
  return { townId, r1, r2, asR1, asR2 };
}

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe('attack: a dedup or idempotency key another rig holds', () => {
  it("R1 raising with R2's dedup key opens R1's own escalation and leaves R2's untouched", async () => {
    const { townId, r1, r2, asR1, asR2 } = await twoRigs();
    const theirs = await asR2.escalation.raise.mutate({ townId, sourceRigId: r2.id, severity: 'low', message: 'db', dedupKey: 'db-fail' });
    await settle(townId);
    const before = await dumpTown(townId);
    const mine = await asR1.escalation.raise.mutate({
      townId,
      sourceRigId: r1.id,
      severity: 'critical',
      message: 'db',
      dedupKey: 'db-fail',
    });
    expect(mine.deduplicated).toBe(false);
    expect(mine.escalation.id).not.toBe(theirs.escalation.id);
    expect(mine.escalation.sourceRigId).toBe(r1.id);
    const after = await dumpTown(townId);
    const r2Row = (rows: unknown[]) => rows.find((r) => (r as { id: string }).id === theirs.escalation.id);
    expect(r2Row(after.escalations ?? [])).toEqual(r2Row(before.escalations ?? []));
    const events = await admin.event.list.query({ townId, escalationId: theirs.escalation.id });
    expect(events.items.map((e) => e.type)).toEqual(['escalation.raised']);
  });

  it("R1 raising with R2's idempotency key gets a new escalation of its own, never R2's (nor a refusal that says the key is in use)", async () => {
    const { townId, r1, r2, asR1, asR2 } = await twoRigs();
    const theirs = await asR2.escalation.raise.mutate({
      townId,
      sourceRigId: r2.id,
      severity: 'high',
      message: 'x',
      idempotencyKey: 'k-1',
    });
    const mine = await asR1.escalation.raise.mutate({ townId, sourceRigId: r1.id, severity: 'high', message: 'y', idempotencyKey: 'k-1' });
    expect(mine.escalation.id).not.toBe(theirs.escalation.id);
    expect(mine.escalation.message).toBe('y');
    // The key still returns each rig its own first escalation.
    const again = await asR1.escalation.raise.mutate({ townId, sourceRigId: r1.id, severity: 'low', message: 'z', idempotencyKey: 'k-1' });
    expect(again.escalation.id).toBe(mine.escalation.id);
  });

  it('the same rig with the same dedup key still folds (scoping did not turn dedup off)', async () => {
    const { townId, r1, asR1 } = await twoRigs();
    const first = await asR1.escalation.raise.mutate({ townId, sourceRigId: r1.id, severity: 'low', message: 'a', dedupKey: 'k' });
    const repeat = await asR1.escalation.raise.mutate({ townId, sourceRigId: r1.id, severity: 'high', message: 'a', dedupKey: 'k' });
    expect(repeat).toMatchObject({ deduplicated: true, escalation: { id: first.escalation.id, severity: 'high', occurrences: 2 } });
  });
});
