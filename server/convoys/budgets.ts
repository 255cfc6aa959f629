import { and, eq, sql } from 'drizzle-orm';
import { convoyBeads, convoys, costReports, spendDays } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { DomainError, notFound } from '../core/errors';
import { scheduleTask } from '../core/scheduler';
import { getSettings } from '../core/settings';
import type { ConvoyContext } from './delivery';
import { changeConvoyPause, changeTownPause } from './pause-switches';
import { tellRigsNow } from './pauses';
import { raiseTownEscalation, resolveTownEscalation, TOWN_SOURCE } from './town-escalations';

// Budgets: cost reported against a bead adds to the bead, its convoy and the town's UTC day (O(1) rows,
// one transaction, so concurrent reports cross each threshold once). At 80 % of a budget a `medium`
// escalation (`budget:<convoyId>` / `budget:town`); at 100 % the convoy (the town) is paused with cause
// `budget` and the escalation upgraded to `high`. A raised budget (or a new day for the town) lifts only
// the budget's pause and resolves the escalation.

export const NEW_DAY_TASK_KIND = 'budget.newDay';
const DAY_MS = 86_400_000;
export const BUDGET_WARN_RATIO = 0.8;
type BudgetAlert = 'warned' | 'exceeded' | null;

export const convoyBudgetKey = (convoyId: string) => `budget:${convoyId}`;
export const TOWN_BUDGET_KEY = 'budget:town';
const BUDGET_PAUSE = { cause: 'budget', reason: 'budget', by: TOWN_SOURCE } as const;

export const utcDay = (at: Date) => iso(at).slice(0, 10);

function alertFor(spent: number, budget: number | null): BudgetAlert {
  if (budget === null) return null;
  if (spent >= budget) return 'exceeded';
  return spent >= budget * BUDGET_WARN_RATIO ? 'warned' : null;
}

/**
 * Moves a budget's alert from `before` to `after` in the caller's transaction: raise, upgrade, or lift
 * the pause and resolve. Returns the rig tasks of a pause change.
 */
function moveAlert(
  ctx: TownContext,
  what: { dedupKey: string; label: string; convoyId?: string },
  before: BudgetAlert,
  after: BudgetAlert,
  pause: (on: boolean) => string[],
): string[] {
  if (before === after) return [];
  const rank = { null: 0, warned: 1, exceeded: 2 } as const;
  const rising = rank[String(after) as keyof typeof rank] > rank[String(before) as keyof typeof rank];
  if (rising) {
    raiseTownEscalation(ctx, {
      dedupKey: what.dedupKey,
      severity: after === 'exceeded' ? 'high' : 'medium',
      category: 'budget',
      message:
        after === 'exceeded'
          ? `${what.label} spent its budget: paused (reason budget) until the budget is raised.`
          : `${what.label} spent 80 % of its budget.`,
      ...(what.convoyId ? { convoyId: what.convoyId } : {}),
    });
    return after === 'exceeded' ? pause(true) : [];
  }
  const tasks = before === 'exceeded' ? pause(false) : [];
  if (after === null) resolveTownEscalation(ctx, what.dedupKey, 'budget raised');
  return tasks;
}

function convoyAlert(
  ctx: TownContext,
  convoy: { id: string; title: string; spent: number; budget: number | null; budgetAlert: BudgetAlert },
) {
  const after = alertFor(convoy.spent, convoy.budget);
  if (after === convoy.budgetAlert) return [];
  ctx.db.update(convoys).set({ budgetAlert: after }).where(eq(convoys.id, convoy.id)).run();
  return moveAlert(
    ctx,
    { dedupKey: convoyBudgetKey(convoy.id), label: `Convoy "${convoy.title}" (${convoy.id})`, convoyId: convoy.id },
    convoy.budgetAlert,
    after,
    (on) => changeConvoyPause(ctx, convoy.id, BUDGET_PAUSE, on),
  );
}

/** The town's day row after adding `cost` (0: just read it), and its alert moved; rig tasks of a pause change. */
function townDay(ctx: TownContext, cost: number): string[] {
  const day = utcDay(ctx.now());
  const row = ctx.db
    .insert(spendDays)
    .values({ day, spent: cost })
    .onConflictDoUpdate({ target: spendDays.day, set: { spent: sql`${spendDays.spent} + ${cost}` } })
    .returning()
    .get();
  if (!row) throw new Error('spend_days upsert answered nothing');
  return dayAlert(ctx, row);
}

function dayAlert(ctx: TownContext, row: typeof spendDays.$inferSelect): string[] {
  const after = alertFor(row.spent, getSettings(ctx).dailyBudget);
  if (after === row.budgetAlert) return [];
  ctx.db.update(spendDays).set({ budgetAlert: after }).where(eq(spendDays.day, row.day)).run();
  // A paused day ends at the next UTC midnight: its pause lifts then (reviewTownBudget).
  if (after === 'exceeded')
    scheduleTask(ctx.db, {
      id: NEW_DAY_TASK_KIND,
      kind: NEW_DAY_TASK_KIND,
      dueAt: Date.parse(`${row.day}T00:00:00Z`) + DAY_MS,
      replace: true,
    });
  return moveAlert(ctx, { dedupKey: TOWN_BUDGET_KEY, label: `The town (${row.day})` }, row.budgetAlert, after, (on) =>
    changeTownPause(ctx, BUDGET_PAUSE, on),
  );
}

export interface CostInput {
  convoyId: string;
  beadId: string;
  cost: number;
  reportId?: string;
}

/** Adds a cost report (once per reportId); answers once the rigs hold a pause it caused. */
export async function addCost(ctx: ConvoyContext, input: CostInput): Promise<{ counted: boolean; spent: number }> {
  const { db } = ctx;
  const { counted, spent, tasks } = db.transaction(() => {
    const convoy = db.select().from(convoys).where(eq(convoys.id, input.convoyId)).get();
    if (!convoy) throw notFound('convoy', input.convoyId);
    if (input.reportId !== undefined) {
      const fresh = db
        .insert(costReports)
        .values({ beadId: input.beadId, reportId: input.reportId, at: iso(ctx.now()) })
        .onConflictDoNothing()
        .returning()
        .get();
      if (!fresh) return { counted: false, spent: convoy.spent, tasks: [] as string[] };
    }
    const bead = db
      .update(convoyBeads)
      .set({ spent: sql`${convoyBeads.spent} + ${input.cost}` })
      .where(and(eq(convoyBeads.convoyId, input.convoyId), eq(convoyBeads.beadId, input.beadId)))
      .returning({ beadId: convoyBeads.beadId })
      .get();
    if (!bead) throw new DomainError('NOT_FOUND', `bead ${input.beadId} not found in convoy ${input.convoyId}`);
    const row = db
      .update(convoys)
      .set({ spent: sql`${convoys.spent} + ${input.cost}` })
      .where(eq(convoys.id, input.convoyId))
      .returning()
      .get();
    if (!row) throw new Error(`convoy ${input.convoyId} vanished`);
    const tasks = [...(row.status === 'active' ? convoyAlert(ctx, row) : []), ...townDay(ctx, input.cost)];
    return { counted: true, spent: row.spent, tasks };
  });
  await tellRigsNow(ctx, tasks);
  return { counted, spent };
}

/** `convoy.setBudget` (and convoy.create's `budget`): the alert follows; a raise lifts the budget's pause. */
export async function setBudget(ctx: ConvoyContext, input: { convoyId: string; budget: number | null }): Promise<void> {
  const tasks = ctx.db.transaction(() => {
    const row = ctx.db.update(convoys).set({ budget: input.budget }).where(eq(convoys.id, input.convoyId)).returning().get();
    if (!row) throw notFound('convoy', input.convoyId);
    return row.status === 'active' ? convoyAlert(ctx, row) : [];
  });
  await tellRigsNow(ctx, tasks);
}

/** After `dailyBudget` changed, or on a new day: today's alert follows (yesterday's pause lifts). */
export async function reviewTownBudget(ctx: ConvoyContext): Promise<void> {
  const tasks = ctx.db.transaction(() => {
    const yesterday = ctx.db
      .select()
      .from(spendDays)
      .where(and(sql`${spendDays.day} < ${utcDay(ctx.now())}`, sql`${spendDays.budgetAlert} is not null`))
      .all();
    // A past day's alert ends with its day.
    const past = yesterday.flatMap((row) => {
      ctx.db.update(spendDays).set({ budgetAlert: null }).where(eq(spendDays.day, row.day)).run();
      return moveAlert(ctx, { dedupKey: TOWN_BUDGET_KEY, label: 'The town' }, row.budgetAlert, null, (on) =>
        changeTownPause(ctx, BUDGET_PAUSE, on),
      );
    });
    return [...past, ...townDay(ctx, 0)];
  });
  await tellRigsNow(ctx, tasks);
}

/** `town.status`'s spend: today's row and the settings (two rows). */
export function todaysSpend(ctx: TownContext): { spentToday: number; dailyBudget: number | null; costUnit: string } {
  const row = ctx.db
    .select()
    .from(spendDays)
    .where(eq(spendDays.day, utcDay(ctx.now())))
    .get();
  const { dailyBudget, costUnit } = getSettings(ctx);
  return { spentToday: row?.spent ?? 0, dailyBudget, costUnit };
}
