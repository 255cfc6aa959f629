import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { rigStub } from '../server/rigs/stub';
import type { TownDO } from '../server/town/town-do';
import { type townStub, value } from './town';

// Simulated agents for the bench: several per rig, each looping claim → closeBead (done) over the Rig DO's
// RPCs until its rig has closed all it holds. The town's durable messages (a release telling a rig its
// beads are claimable) run in the TownDO's alarm; the agents run it (`runAlarmNow`) after every close and
// whenever they find no work, so nothing waits on the wall clock for the alarm to fire.

type TownStub = ReturnType<typeof townStub>;

/**
 * What `runDurableObjectAlarm` does (clear the alarm, so the runtime does not also fire it, and run the
 * handler), except that it runs even when no alarm is set: a run the runtime started on its own clears
 * the alarm while its deliveries are still in flight, and their tasks stay due until they finish.
 */
const runAlarmNow = (town: TownStub) =>
  runInDurableObject(town, async (instance: TownDO, state) => {
    await state.storage.deleteAlarm();
    await instance.alarm();
  });

/**
 * Runs the town's alarm on demand. A kick during a run asks for one more run after it, so every task
 * committed before a kick returns was tried by a run that started after it was committed.
 */
export class TownPump {
  private running: Promise<void> | null = null;
  private again = false;
  /** Alarm runs so far, and the wall time spent in them (ms). */
  runs = 0;
  busyMs = 0;
  /** Bumped after each run: agents waiting for work wait for the next one. */
  epoch = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly town: TownStub) {}

  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const started = performance.now();
        await runAlarmNow(this.town);
        this.busyMs += performance.now() - started;
        this.runs += 1;
        this.epoch += 1;
        for (const wake of this.waiters.splice(0)) wake();
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Resolves after the next alarm run ends. */
  nextRun(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

const PROGRESS_EVERY = 1_000;

export interface AgentRun {
  /** Every bead id a claim answered, in claim order (each must appear once). */
  claimed: string[];
  /** Claims answered `no_work` (the agent then waited for the town to release more). */
  idleClaims: number;
  /** Times an idle agent found no close in flight and drove the town's alarm itself. */
  selfKicks: number;
  ms: number;
  /** The first alarm run that threw, if any (the run then fails). */
  pumpError?: unknown;
}

/**
 * `agentsPerRig` agents on each rig (Rig DO ids), each claiming and closing until its rig closed
 * `perRig` beads. Throws if a rig stops answering work while beads are left and nothing is in flight.
 */
export async function runAgents(
  pump: TownPump,
  townId: string,
  rigIds: readonly string[],
  perRig: number,
  agentsPerRig: number,
): Promise<AgentRun> {
  const run: AgentRun = { claimed: [], idleClaims: 0, selfKicks: 0, ms: 0 };
  let inFlight = 0;
  const closed = rigIds.map(() => 0);
  let total = 0;
  const started = performance.now();
  const agent = async (rig: number, n: number) => {
    const stub = rigStub(env, townId, rigIds[rig] as string);
    const agentId = `agent-${rig}-${n}`;
    let fruitless = 0;
    while ((closed[rig] as number) < perRig) {
      inFlight += 1;
      const claim = value(await stub.claimBead({ agentId }));
      if (claim.bead) {
        run.claimed.push(claim.bead.id);
        value(await stub.closeBead({ beadId: claim.bead.id, agentId }));
        closed[rig] = (closed[rig] as number) + 1;
        total += 1;
        if (total % PROGRESS_EVERY === 0)
          console.warn(`  ${total} closed in ${Math.round(performance.now() - started)} ms, ${pump.runs} alarm runs`);
        inFlight -= 1;
        fruitless = 0;
        // The close may have released beads: the town tells their rigs now. Not awaited: the agent goes
        // on claiming meanwhile, as a real one would (idle agents wait for the run).
        pump.kick().catch((error: unknown) => {
          run.pumpError ??= error;
        });
        continue;
      }
      inFlight -= 1;
      if (claim.reason !== 'no_work') throw new Error(`rig ${rig}: claim answered ${claim.reason}`);
      run.idleClaims += 1;
      if ((closed[rig] as number) >= perRig) break;
      // Another agent's close (and the alarm run after it) is what can bring work; with none in flight,
      // run the alarm here. Many fruitless rounds in a row mean the run is stuck.
      if (inFlight > 0) await pump.nextRun();
      else {
        run.selfKicks += 1;
        fruitless += 1;
        if (fruitless > 1_000) throw new Error(`rig ${rig}: no work after ${closed[rig]} of ${perRig} closes`);
        await pump.kick();
      }
    }
  };
  await Promise.all(rigIds.flatMap((_, rig) => Array.from({ length: agentsPerRig }, (_a, n) => agent(rig, n))));
  run.ms = performance.now() - started;
  if (run.pumpError) throw run.pumpError;
  return run;
}
