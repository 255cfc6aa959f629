import { DomainError } from '../core/errors';

// Checking and staging the dependencies of one create / addBeads call before anything is written:
// keys unique in the convoy, every dependency known (a key or bead id given in this call or earlier),
// no cycle (Kahn's algorithm over the call's beads: earlier beads cannot depend on new ones, so a cycle
// can only run through this call), and each bead's wave and count of unfinished dependencies.

export const DEPENDS_ON_MAX = 50;
export const BEAD_KEY_MAX_CHARS = 64;

export interface DependencyInput {
  key?: string;
  dependsOn?: string[];
}

/** A bead of the convoy from an earlier call that a new bead names (by key or id). */
export interface EarlierBead {
  beadId: string;
  key: string | null;
  /** Closed `done` or `skipped`: it no longer blocks. */
  finished: boolean;
  wave: number;
}

export interface PlannedBead {
  key: string | null;
  dependsOn: string[] | null;
  waitingOn: number;
  wave: number;
}

export interface DependencyPlan {
  beads: PlannedBead[];
  /** [dependencyId, dependentId] */
  edges: [string, string][];
  blocked: number;
  maxWave: number;
}

/** What the plan needs of the convoy's earlier beads, looked up only for the names the call gives. */
export interface EarlierLookup {
  keysTaken: (keys: readonly string[]) => Set<string>;
  byName: (names: readonly string[]) => Map<string, EarlierBead>;
}

const bad = (message: string) => new DomainError('BAD_REQUEST', message);

/** Null when no bead of the call has a key or a dependency (nothing to stage). */
export function planDependencies(
  beads: readonly DependencyInput[],
  ids: readonly string[],
  earlier: EarlierLookup | null,
): DependencyPlan | null {
  if (!beads.some((b) => b.key !== undefined || (b.dependsOn?.length ?? 0) > 0)) return null;
  const indexByKey = new Map<string, number>();
  beads.forEach((bead, i) => {
    if (bead.key === undefined) return;
    if (indexByKey.has(bead.key)) throw bad(`beads.${i}.key: "${bead.key}" is given twice in this call (keys are unique in a convoy)`);
    indexByKey.set(bead.key, i);
  });
  const taken = earlier ? earlier.keysTaken([...indexByKey.keys()]) : new Set<string>();
  for (const key of taken) throw bad(`beads.${indexByKey.get(key)}.key: "${key}" is already used in this convoy`);
  const outside = new Set<string>();
  for (const bead of beads) for (const name of bead.dependsOn ?? []) if (!indexByKey.has(name)) outside.add(name);
  const found = earlier && outside.size > 0 ? earlier.byName([...outside]) : new Map<string, EarlierBead>();
  // Each bead's dependencies: indices into this call, or earlier beads.
  const inCall: number[][] = beads.map(() => []);
  const before: EarlierBead[][] = beads.map(() => []);
  beads.forEach((bead, i) => {
    for (const name of new Set(bead.dependsOn ?? [])) {
      const j = indexByKey.get(name);
      if (j !== undefined) inCall[i]?.push(j);
      else {
        const dep = found.get(name);
        if (!dep)
          throw bad(`beads.${i}.dependsOn: unknown dependency "${name}" (a key or bead id of this convoy, given in this call or earlier)`);
        before[i]?.push(dep);
      }
    }
  });
  const order = topologicalOrder(beads, inCall);
  const waves = new Array<number>(beads.length).fill(1);
  for (const i of order) {
    let wave = 1;
    for (const j of inCall[i] ?? []) wave = Math.max(wave, (waves[j] ?? 1) + 1);
    for (const dep of before[i] ?? []) wave = Math.max(wave, dep.wave + 1);
    waves[i] = wave;
  }
  const edges: [string, string][] = [];
  let blocked = 0;
  const planned = beads.map((bead, i): PlannedBead => {
    const id = ids[i] as string;
    const deps = [...(inCall[i] ?? []).map((j) => ids[j] as string), ...(before[i] ?? []).map((d) => d.beadId)];
    for (const dep of new Set(deps)) edges.push([dep, id]);
    const waitingOn = (inCall[i]?.length ?? 0) + (before[i] ?? []).filter((d) => !d.finished).length;
    if (waitingOn > 0) blocked += 1;
    return { key: bead.key ?? null, dependsOn: deps.length > 0 ? deps : null, waitingOn, wave: waves[i] ?? 1 };
  });
  return { beads: planned, edges, blocked, maxWave: Math.max(1, ...waves) };
}

/** Kahn's algorithm over the call's beads; a cycle is BAD_REQUEST naming the keys on it. */
function topologicalOrder(beads: readonly DependencyInput[], inCall: readonly number[][]): number[] {
  const waiting = inCall.map((deps) => deps.length);
  const dependents: number[][] = beads.map(() => []);
  inCall.forEach((deps, i) => {
    for (const j of deps) dependents[j]?.push(i);
  });
  const order: number[] = [];
  const ready = waiting.flatMap((n, i) => (n === 0 ? [i] : []));
  while (ready.length > 0) {
    const i = ready.pop() as number;
    order.push(i);
    for (const d of dependents[i] ?? []) {
      waiting[d] = (waiting[d] ?? 0) - 1;
      if (waiting[d] === 0) ready.push(d);
    }
  }
  if (order.length === beads.length) return order;
  // Walk unfinished dependencies from a bead left over until one repeats: the loop from there is a cycle.
  const left = (i: number) => (waiting[i] ?? 0) > 0;
  let at = waiting.findIndex((n) => n > 0);
  const seen = new Map<number, number>();
  const path: number[] = [];
  while (!seen.has(at)) {
    seen.set(at, path.length);
    path.push(at);
    at = (inCall[at] ?? []).find(left) as number;
  }
  const cycle = path.slice(seen.get(at));
  const keys = [...cycle, cycle[0] as number].map((i) => `"${beads[i]?.key}"`).join(' → ');
  throw bad(`beads.dependsOn: a dependency cycle (each waits on the next): ${keys}`);
}
