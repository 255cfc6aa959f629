import { eq, sql } from 'drizzle-orm';
import { beads } from '../../schema/rig';
import { DomainError, notFound } from '../core/errors';
import { cancelTask, scheduleTask } from '../core/scheduler';
import { SECOND_MS } from '../core/time';
import { type Bead, beadColumns, beadSqlColumns } from './beads';
import { breakerGate, type LoopSettings, markProbe, probeReleased, rememberSettings } from './breaker';
import { nextClaimable } from './claim-queue';
import { expireLeaseIfDue, leaseTaskId } from './outcomes';
import { claimsPaused } from './pauses';
import { report } from './reports';
import type { RigContext } from './rig-context';

// Claims and leases: an agent takes the next claimable bead of the rig and holds it until its lease
// runs out. The claim and the state change are one statement in one transaction, and a DO runs one
// transaction at a time, so two claims never get one bead. Which bead comes next (priority with aging)
// is claim-queue.ts: a claim reads a handful of rows whatever the rig holds.

export const LEASE_SECONDS_DEFAULT = 600;
export const LEASE_SECONDS_MIN = 30;
export const LEASE_SECONDS_MAX = 3600;
export const LEASE_TASK_KIND = 'bead.lease';

export type ClaimAnswer =
  | { bead: Bead; reason: null; nextClaimAt: null }
  | { bead: null; reason: 'town_paused' | 'breaker_open' | 'no_work'; nextClaimAt: string | null };

export interface ClaimInput {
  agentId: string;
  leaseSeconds?: number;
  settings?: LoopSettings;
  /** The town's pause as the claim's town call read it (the rig also keeps what the town told it). */
  townPaused?: boolean;
}

/** Points the bead's lease task at its new expiry (one task per held bead; a renewal moves it). */
function scheduleLease(ctx: RigContext, bead: { id: string; attempt: number }, expiresAtMs: number): void {
  scheduleTask(ctx.db, {
    id: leaseTaskId(bead.id),
    kind: LEASE_TASK_KIND,
    dueAt: expiresAtMs,
    payload: { beadId: bead.id, attempt: bead.attempt },
    replace: true,
  });
}

export const cancelLease = (ctx: RigContext, beadId: string) => cancelTask(ctx.db, leaseTaskId(beadId));

function leaseEnd(ctx: RigContext, leaseSeconds = LEASE_SECONDS_DEFAULT) {
  const ms = ctx.now().getTime() + leaseSeconds * SECOND_MS;
  return { ms, iso: new Date(ms).toISOString() };
}

/** `rig.claimBead`: the agent's held bead again (lease renewed), else the next claimable one, else why not. */
export function claimBead(ctx: RigContext, input: ClaimInput): ClaimAnswer {
  const { db } = ctx;
  const lease = leaseEnd(ctx, input.leaseSeconds);
  return db.transaction((): ClaimAnswer => {
    const { row, settings } = rememberSettings(ctx, input.settings);
    // The emergency stop wins over everything: no claim answers a bead, not even the one held.
    if (claimsPaused(ctx, input.townPaused)) return { bead: null, reason: 'town_paused', nextClaimAt: null };
    const held = db.get<Bead | undefined>(sql`select ${beadSqlColumns} from beads where held_by = ${input.agentId}`);
    if (held && !expireLeaseIfDue(ctx, held)) {
      // A retried claim whose answer was lost: the same bead, not a second one.
      db.update(beads).set({ leaseExpiresAt: lease.iso }).where(eq(beads.id, held.id)).run();
      scheduleLease(ctx, held, lease.ms);
      return { bead: { ...held, leaseExpiresAt: lease.iso }, reason: null, nextClaimAt: null };
    }
    const { gate, reopensAt } = breakerGate(ctx, row);
    if (gate === 'open') return { bead: null, reason: 'breaker_open', nextClaimAt: reopensAt };
    const { candidate, nextClaimAt } = nextClaimable(ctx, settings.agingMinutes);
    if (!candidate) return { bead: null, reason: 'no_work', nextClaimAt };
    // The head read the whole bead: written without RETURNING (one row read less per claim).
    const claimed = { status: 'in_progress', heldBy: input.agentId, leaseExpiresAt: lease.iso, retryAt: null } as const;
    db.run(sql`update beads set status = 'in_progress', held_by = ${input.agentId}, lease_expires_at = ${lease.iso}, retry_at = null,
      attempt = attempt + 1, last_agent_id = ${input.agentId}, last_result = null where rowid = ${candidate.rowid}`);
    const bead: Bead = { ...candidate.bead, ...claimed, attempt: candidate.bead.attempt + 1 };
    scheduleLease(ctx, bead, lease.ms);
    if (gate === 'probe') markProbe(ctx, bead.id);
    if (bead.convoyId) {
      report(ctx, {
        type: 'bead.claimed',
        beadId: bead.id,
        convoyId: bead.convoyId,
        data: { agentId: input.agentId, attempt: bead.attempt, leaseExpiresAt: lease.iso },
      });
    }
    return { bead, reason: null, nextClaimAt: null };
  });
}

/** The bead, which `agentId` must hold with a live lease; else CONFLICT (after expiring a lease that ran out). */
function heldBead(ctx: RigContext, beadId: string, agentId: string): Bead {
  const bead = ctx.db.select(beadColumns).from(beads).where(eq(beads.id, beadId)).get();
  if (!bead) throw notFound('bead', beadId);
  if (bead.heldBy !== agentId) throw new DomainError('CONFLICT', `bead ${beadId} is not held by agent ${agentId}`);
  return bead;
}

/** `rig.renewLease`: the holder extends its lease (a report to the town: progress, for stranded convoys). */
export function renewLease(ctx: RigContext, input: { beadId: string; agentId: string; leaseSeconds?: number }): { leaseExpiresAt: string } {
  const expired = ctx.db.transaction(() => {
    const bead = heldBead(ctx, input.beadId, input.agentId);
    return expireLeaseIfDue(ctx, bead);
  });
  if (expired) throw new DomainError('CONFLICT', `the lease of agent ${input.agentId} on bead ${input.beadId} ran out`);
  const lease = leaseEnd(ctx, input.leaseSeconds);
  return ctx.db.transaction(() => {
    const bead = heldBead(ctx, input.beadId, input.agentId);
    ctx.db.update(beads).set({ leaseExpiresAt: lease.iso }).where(eq(beads.id, bead.id)).run();
    scheduleLease(ctx, bead, lease.ms);
    if (bead.convoyId)
      report(ctx, {
        type: 'bead.lease_renewed',
        beadId: bead.id,
        convoyId: bead.convoyId,
        data: { agentId: input.agentId, leaseExpiresAt: lease.iso },
      });
    return { leaseExpiresAt: lease.iso };
  });
}

/** `rig.releaseBead`: the holder gives the bead back untouched: open at once, no attempt counted. */
export function releaseBead(ctx: RigContext, input: { beadId: string; agentId: string }): Bead {
  const { db } = ctx;
  const expired = db.transaction(() => {
    const bead = db.select(beadColumns).from(beads).where(eq(beads.id, input.beadId)).get();
    return bead?.heldBy === input.agentId ? expireLeaseIfDue(ctx, bead) : false;
  });
  if (expired) throw new DomainError('CONFLICT', `the lease of agent ${input.agentId} on bead ${input.beadId} ran out`);
  return db.transaction(() => {
    const current = db
      .select({ ...beadColumns, lastAgentId: beads.lastAgentId, lastResult: beads.lastResult })
      .from(beads)
      .where(eq(beads.id, input.beadId))
      .get();
    if (!current) throw notFound('bead', input.beadId);
    const { lastAgentId, lastResult, ...bead } = current;
    // A repeated release: already given back by this agent.
    if (bead.status === 'open' && bead.heldBy === null && lastAgentId === input.agentId && lastResult === 'released') return bead;
    heldBead(ctx, input.beadId, input.agentId);
    const released = db
      .update(beads)
      .set({
        status: 'open',
        heldBy: null,
        leaseExpiresAt: null,
        attempt: sql`max(${beads.attempt} - 1, 0)`,
        lastResult: 'released',
        claimableSince: ctx.now().toISOString(),
      })
      .where(eq(beads.id, bead.id))
      .returning(beadColumns)
      .get();
    if (!released) throw new Error(`bead ${bead.id} vanished while released`);
    cancelLease(ctx, bead.id);
    probeReleased(ctx, bead.id);
    if (bead.convoyId) report(ctx, { type: 'bead.released', beadId: bead.id, convoyId: bead.convoyId, data: { agentId: input.agentId } });
    return released;
  });
}
