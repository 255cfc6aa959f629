import { asc, lte, sql } from 'drizzle-orm';
import { townReports } from '../../schema/rig';
import { logEvent } from '../core/log';
import { scheduleTask, type TaskResult } from '../core/scheduler';
import { SECOND_MS } from '../core/time';
import { PEER_CALL_TIMEOUT_MS, withTimeout } from '../core/timeout';
import { townStub } from '../core/town-stub';
import type { RigContext } from './rig-context';

// The work loop's reports to the town (claims, renewals, releases, failed attempts, breaker changes).
// Each is a row written in the transaction of its change; one task sends them in batches, in order,
// and deletes what the town acknowledged. The town keeps a watermark per rig (the last `seq` it
// applied), so a batch re-sent after a lost answer is applied once.

export const TOWN_REPORTS_TASK_KIND = 'town.reports';
const TOWN_REPORTS_TASK_ID = 'town-reports';
/** Reports wait this long to share a batch; the town's log has them within 5 s (the bound). */
export const REPORT_BATCH_DELAY_MS = 1 * SECOND_MS;
export const REPORT_BATCH_MAX = 500;

export type RigReportType =
  | 'bead.claimed'
  | 'bead.released'
  | 'bead.lease_renewed'
  | 'bead.lease_expired'
  | 'bead.attempt_failed'
  | 'rig.breaker_opened'
  | 'rig.breaker_half_open'
  | 'rig.breaker_probe_returned'
  | 'rig.breaker_closed';

export interface RigReport {
  seq: number;
  type: RigReportType;
  beadId: string | null;
  convoyId: string | null;
  at: string;
  data: Record<string, unknown>;
}

type ReportsAnswer = Awaited<ReturnType<ReturnType<typeof townStub>['onRigReports']>>;

/** Records a report; call inside the change's transaction. */
export function report(ctx: RigContext, entry: Omit<RigReport, 'seq' | 'at'>): void {
  const now = ctx.now();
  // Written without `seq` (Drizzle would name it with null): the AUTOINCREMENT then reads one row less,
  // and a claim stays within 10 rows read with every priority level full (test/rigs/claim-cost.test.ts).
  ctx.db.run(
    sql`insert into town_reports (type, bead_id, convoy_id, at, data) values (${entry.type}, ${entry.beadId}, ${entry.convoyId}, ${now.toISOString()}, ${JSON.stringify(entry.data)})`,
  );
  // The earliest due time wins (scheduleTask keeps it): a steady stream of claims does not postpone it.
  scheduleTask(ctx.db, { id: TOWN_REPORTS_TASK_ID, kind: TOWN_REPORTS_TASK_KIND, dueAt: now.getTime() + REPORT_BATCH_DELAY_MS });
}

/** Sends the oldest reports to the town; more left → runs again at once. */
export async function sendReports(ctx: RigContext, townId: string): Promise<TaskResult> {
  const rows = ctx.db.select().from(townReports).orderBy(asc(townReports.seq)).limit(REPORT_BATCH_MAX).all() as RigReport[];
  const last = rows.at(-1);
  if (!last || !ctx.rigId) return undefined;
  const result = await withTimeout<ReportsAnswer>(
    townStub(ctx.env, townId).onRigReports(townId, ctx.rigId, rows),
    PEER_CALL_TIMEOUT_MS,
    `town ${townId} onRigReports`,
  );
  if (!result.ok) {
    // The town refuses (the rig was removed): retrying cannot change that; drop them, loudly.
    logEvent('error', 'rig.reports_refused', {
      townId,
      rigId: ctx.rigId,
      code: result.code,
      message: result.message,
      dropped: rows.length,
    });
  }
  ctx.db.delete(townReports).where(lte(townReports.seq, last.seq)).run();
  return rows.length === REPORT_BATCH_MAX ? { retryAt: Date.now() } : undefined;
}
