// The crash suite's agents: each loops claim → close over HTTP on one rig and records every answer it
// got, so the test can check afterwards what the runtime acknowledged before and after a SIGKILL.

import { setTimeout as delay } from 'node:timers/promises';
import { TRPCClientError } from '@trpc/client';
import type { TownClient } from '../../client/index.ts';

/** What the seeded plan says a bead's attempts end in (maxAttempts 2). */
export type BeadPlan = 'done' | 'skip' | 'fail-then-done' | 'fail-twice';
export type Outcome = 'done' | 'failed' | 'skipped';

/** A deterministic PRNG (mulberry32): the same seed gives the same plan and the same kill point. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The outcome an agent reports for attempt `attempt` of a bead with this plan. */
export function outcomeFor(plan: BeadPlan, attempt: number): Outcome {
  if (plan === 'skip') return 'skipped';
  if (plan === 'fail-twice') return 'failed';
  if (plan === 'fail-then-done') return attempt === 1 ? 'failed' : 'done';
  return 'done';
}

/** One answered call, in the order the answers reached the test process. */
export type Answer =
  | { kind: 'claim'; seq: number; agentId: string; beadId: string; attempt: number }
  | {
      kind: 'close';
      seq: number;
      agentId: string;
      beadId: string;
      attempt: number;
      outcome: Outcome;
      status: string;
      beadOutcome: string | null;
    };

export interface WorkLog {
  answers: Answer[];
  /** Beads whose final close (done, skipped, or failed with no attempt left) was answered 200. */
  settled: Set<string>;
  /** Closes answered CONFLICT (an agent's close of a bead it no longer held): none are expected. */
  conflicts: string[];
  /** Calls that failed because the runtime was down (retried). */
  retries: number;
}

const trpcCode = (error: unknown): string | undefined =>
  error instanceof TRPCClientError ? (error.data as { code?: string } | undefined)?.code : undefined;

/** Codes that mean the call was judged, not lost: never retried. */
const JUDGED = new Set(['CONFLICT', 'BAD_REQUEST', 'NOT_FOUND', 'FORBIDDEN', 'UNAUTHORIZED']);

/** Runs `call` until it is answered; a call lost to the runtime dying (no answer, or a 5xx) is sent again. */
async function untilAnswered<T>(log: WorkLog, call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const code = trpcCode(error);
      if (code && JUDGED.has(code)) throw error;
      log.retries++;
      await delay(200);
    }
  }
}

export interface AgentRun {
  api: TownClient;
  townId: string;
  rigId: string;
  agentId: string;
  planOf: Map<string, BeadPlan>;
  totalBeads: number;
  log: WorkLog;
  /** Called after each answered close (the test counts them to pick its kill point). */
  onClose: () => void;
}

/** One agent: claim → close until every bead of the convoy is settled. Leases (600 s) outlive a restart. */
export async function runAgent(run: AgentRun): Promise<void> {
  const { api, townId, rigId, agentId, log } = run;
  const seq = () => log.answers.length;
  while (log.settled.size < run.totalBeads) {
    const claim = await untilAnswered(log, () => api.rig.claimBead.mutate({ townId, rigId, agentId }));
    if (!claim.bead) {
      // The town's breaker threshold is raised out of the way: this suite is about kills, not breakers.
      if (claim.reason !== 'no_work') throw new Error(`agent ${agentId}: claim refused (${claim.reason})`);
      // Nothing now: the rest is held by others or waiting out a backoff.
      await delay(250);
      continue;
    }
    const { id: beadId, attempt } = claim.bead;
    log.answers.push({ kind: 'claim', seq: seq(), agentId, beadId, attempt });
    const plan = run.planOf.get(beadId);
    if (!plan) throw new Error(`agent ${agentId} claimed ${beadId}, not a bead of the convoy`);
    const outcome = outcomeFor(plan, attempt);
    try {
      const bead = await untilAnswered(log, () =>
        api.rig.closeBead.mutate({ townId, rigId, beadId, agentId, outcome, reason: `attempt ${attempt}` }),
      );
      log.answers.push({ kind: 'close', seq: seq(), agentId, beadId, attempt, outcome, status: bead.status, beadOutcome: bead.outcome });
      if (bead.status === 'closed') log.settled.add(beadId);
      run.onClose();
    } catch (error) {
      if (trpcCode(error) !== 'CONFLICT') throw error;
      log.conflicts.push(`${agentId} closing ${beadId} (attempt ${attempt}): ${(error as Error).message}`);
    }
  }
}
