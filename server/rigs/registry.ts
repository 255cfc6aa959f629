import { and, asc, eq, exists, sql } from 'drizzle-orm';
import { convoyBeads, convoys, rigs } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { DomainError, notFound } from '../core/errors';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { getSettings } from '../core/settings';
import type { LoopSettings } from './breaker';

export interface Rig {
  id: string;
  name: string;
  rigDoId: string;
  createdAt: string;
  /** The rig's breaker as its RigDO last reported it (server/rigs/breaker.ts). */
  breaker: { state: 'closed' | 'open' | 'half_open'; openedAt: string | null; reopensAt: string | null };
}

/** The Rig DO of a rig: keyed by town and rig id, so two towns never share one. */
export function rigDoIdFor(env: Env, townId: string, rigId: string): DurableObjectId {
  return env.RIG.idFromName(`${townId}/${rigId}`);
}

// The wire shape, named column by column so a column added later does not leak.
const rigColumns = {
  id: rigs.id,
  name: rigs.name,
  rigDoId: rigs.rigDoId,
  createdAt: rigs.createdAt,
  breakerState: rigs.breakerState,
  breakerOpenedAt: rigs.breakerOpenedAt,
  breakerReopensAt: rigs.breakerReopensAt,
};

type RigColumns = { [K in keyof typeof rigColumns]: (typeof rigs.$inferSelect)[K] };

function toRig({ breakerState, breakerOpenedAt, breakerReopensAt, ...rig }: RigColumns): Rig {
  return { ...rig, breaker: { state: breakerState, openedAt: breakerOpenedAt, reopensAt: breakerReopensAt } };
}

export function registerRig(ctx: TownContext, input: { name: string }): Rig {
  const { db, env, townId, now } = ctx;
  const rig = db.transaction(() => {
    const existing = db.select({ id: rigs.id }).from(rigs).where(eq(rigs.name, input.name)).get();
    if (existing) throw new DomainError('CONFLICT', `a rig named ${input.name} already exists`);
    const id = crypto.randomUUID();
    const row = { id, name: input.name, rigDoId: rigDoIdFor(env, townId, id).toString(), createdAt: iso(now()) };
    db.insert(rigs).values(row).run();
    const rig: Rig = { ...row, breaker: { state: 'closed', openedAt: null, reopensAt: null } };
    appendEvent(ctx, { type: 'rig.registered', rigId: id, data: { name: input.name } });
    return rig;
  });
  logEvent('info', 'rig.registered', { townId, rigId: rig.id, name: input.name });
  return rig;
}

export function listRigs({ db }: TownContext): Rig[] {
  return db.select(rigColumns).from(rigs).orderBy(asc(rigs.createdAt), asc(rigs.id)).all().map(toRig);
}

export function hasRigs({ db }: TownContext): boolean {
  return db.select({ id: rigs.id }).from(rigs).limit(1).get() !== undefined;
}

export function getRig({ db }: TownContext, rigId: string): Rig {
  // A template, not the builder: every claim and close reads it (server/core/sql-row.ts says why).
  const rig = db.get<RigColumns | undefined>(
    sql`select id, name, rig_do_id as rigDoId, created_at as createdAt, breaker_state as breakerState,
      breaker_opened_at as breakerOpenedAt, breaker_reopens_at as breakerReopensAt from rigs where id = ${rigId}`,
  );
  if (!rig) throw notFound('rig', rigId);
  return toRig(rig);
}

/** A registered rig and the town's settings its work loop needs (one read of each), for the claim path. */
export function rigForWork(ctx: TownContext, rigId: string): { rig: Rig; settings: LoopSettings; townPaused: boolean } {
  const rig = getRig(ctx, rigId);
  const { breakerFailures, breakerWindowMinutes, breakerCooldownMinutes, agingMinutes } = getSettings(ctx);
  // The town's pause (server/convoys/pause-switches.ts), also for a rig registered after it was told.
  const townPaused = ctx.db.get(sql`select cause from pauses where scope = 'town' limit 1`) !== undefined;
  return { rig, settings: { breakerFailures, breakerWindowMinutes, breakerCooldownMinutes, agingMinutes }, townPaused };
}

/**
 * Unregisters a rig. A rig still holding open beads of an active convoy is refused (CONFLICT): its
 * convoy could otherwise never land. Close or cancel those first.
 */
export function removeRig(ctx: TownContext, rigId: string): Rig {
  const rig = getRig(ctx, rigId);
  // Active convoys first (few), then their beads: convoy_beads has no index by rig (one row written
  // per bead less on every create), and a rig's removal is rare.
  const busy = ctx.db
    .select({ convoyId: convoys.id })
    .from(convoys)
    .where(
      and(
        eq(convoys.status, 'active'),
        exists(
          ctx.db
            .select({ one: sql`1` })
            .from(convoyBeads)
            .where(and(eq(convoyBeads.convoyId, convoys.id), eq(convoyBeads.rigId, rigId), eq(convoyBeads.status, 'open'))),
        ),
      ),
    )
    .limit(1)
    .get();
  if (busy) throw new DomainError('CONFLICT', `rig ${rigId} holds open beads of active convoy ${busy.convoyId}`);
  ctx.db.transaction(() => {
    ctx.db.delete(rigs).where(eq(rigs.id, rigId)).run();
    appendEvent(ctx, { type: 'rig.removed', rigId, data: { name: rig.name } });
  });
  logEvent('info', 'rig.removed', { townId: ctx.townId, rigId, name: rig.name });
  return rig;
}
