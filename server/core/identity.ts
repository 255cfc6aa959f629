import { DomainError } from './errors';
import { logEvent } from './log';

// Whom a Durable Object serves, learnt ONE way by all three kinds: from its name. Every DO is reached
// through a name (`idFromName`): a TownDO and a MayorDO by `townId`, a RigDO by `townId/rigId`
// (rigs/registry.ts rigDoIdFor). The name is kept in the DO's own one-row table the first time it is
// seen, because a DO woken by an alarm after a restart may carry no name (workerd does not always
// pass it on; partyserver #391 hit the same), nor one reached by a stored id (`idFromString`).

export interface DoIdentity {
  townId: string;
  /** Only a RigDO's name carries a rig. */
  rigId: string | null;
}

/** The DO's own one-row table where it keeps its identity (town: `town`, rig: `rig`, mayor: `mayor`). */
export interface IdentityRow {
  kind: 'town' | 'rig' | 'mayor';
  read(): { townId: string; rigId: string | null } | undefined;
  /** Inserts the row, or fills in a rig id an older row lacks. */
  write(identity: DoIdentity, at: string): void;
}

/** Whom the DO with this id serves, from its name; null for an id that carries no name. */
function identityOf(id: DurableObjectId): DoIdentity | null {
  const [townId, rigId] = id.name?.split('/') ?? [];
  return townId ? { townId, rigId: rigId || null } : null;
}

/**
 * Learns whom this DO serves: its name, kept in `row` the first time (or a rig id an older row lacks);
 * without a name, what the row kept. Null only for a DO never reached by name. A name that disagrees
 * with the kept row is a bug of the caller, refused loudly: a DO serves one town for life.
 */
export function learnIdentity(id: DurableObjectId, row: IdentityRow, now: Date): DoIdentity | null {
  const named = identityOf(id);
  const kept = row.read() ?? null;
  if (!named) return kept;
  if (kept && (kept.townId !== named.townId || (kept.rigId !== null && kept.rigId !== named.rigId))) {
    throw new Error(`a DO of ${kept.townId}/${kept.rigId ?? ''} was reached as ${id.name}`);
  }
  if (!kept || kept.rigId !== named.rigId) {
    row.write(named, now.toISOString());
    if (!kept) logEvent('info', 'do.identity_learnt', { kind: row.kind, townId: named.townId, rigId: named.rigId });
  }
  return named;
}

/** A call naming a town must name the one this DO serves: else FORBIDDEN, before anything is written. */
export function assertServes(servedTownId: string | null, calledFor: string): void {
  if (servedTownId === null) throw new DomainError('FORBIDDEN', `a DO reached without a name was called for ${calledFor}`);
  if (servedTownId !== calledFor) throw new DomainError('FORBIDDEN', `the DO of ${servedTownId} was called for ${calledFor}`);
}
