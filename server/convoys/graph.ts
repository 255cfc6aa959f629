import { asc, eq } from 'drizzle-orm';
import { convoyBeads, convoys } from '../../schema/town';
import type { TownContext } from '../core/context';
import { DomainError, notFound } from '../core/errors';
import { visibleTo } from '../core/rig-membership';
import type { BeadOutcome } from './views';

// `convoy.graph`: the whole dependency graph of a convoy in one answer, for the dashboard to draw one
// column per wave. Bounded: past GRAPH_MAX_BEADS the caller pages `convoy.beads` instead.

export const GRAPH_MAX_BEADS = 2_000;

export interface GraphNode {
  id: string;
  key: string | null;
  rigId: string;
  title: string;
  status: 'open' | 'closed';
  outcome: BeadOutcome | null;
  wave: number;
}

/** `from` is the dependency, `to` the bead that waits on it. */
export interface GraphEdge {
  from: string;
  to: string;
}

export function convoyGraph(
  ctx: TownContext,
  convoyId: string,
  narrowTo: string | null = null,
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const row = ctx.db
    .select({ totalBeads: convoys.totalBeads, rigProgress: convoys.rigProgress, compactedAt: convoys.compactedAt })
    .from(convoys)
    .where(eq(convoys.id, convoyId))
    .get();
  if (!row || !visibleTo(row, narrowTo)) throw notFound('convoy', convoyId);
  if (row.compactedAt)
    throw new DomainError('PRECONDITION_FAILED', `convoy ${convoyId} was compacted at ${row.compactedAt}: its beads are gone`);
  if (row.totalBeads > GRAPH_MAX_BEADS)
    throw new DomainError(
      'PRECONDITION_FAILED',
      `convoy ${convoyId} has ${row.totalBeads} beads, more than the ${GRAPH_MAX_BEADS} convoy.graph answers: page convoy.beads (key, dependsOn, blocked) instead`,
    );
  const rows = ctx.db
    .select({
      id: convoyBeads.beadId,
      key: convoyBeads.key,
      rigId: convoyBeads.rigId,
      title: convoyBeads.title,
      status: convoyBeads.status,
      outcome: convoyBeads.outcome,
      wave: convoyBeads.wave,
      dependsOn: convoyBeads.dependsOn,
    })
    .from(convoyBeads)
    .where(eq(convoyBeads.convoyId, convoyId))
    .orderBy(asc(convoyBeads.position))
    .all();
  const edges = rows.flatMap((r) => (r.dependsOn ?? []).map((from) => ({ from, to: r.id })));
  return { nodes: rows.map(({ dependsOn: _d, ...node }) => node), edges };
}
