import type { RigDb } from './rig-db';

/** What the rig's logic modules are given: the database, the bindings, a clock, and the alarm. */
export interface RigContext {
  db: RigDb;
  env: Env;
  now: () => Date;
  /** The town this rig serves (core/identity.ts); null only for a DO never reached by name. */
  townId: string | null;
  /** This rig's id (from the DO's name `${townId}/${rigId}`), for log lines; null as for `townId`. */
  rigId: string | null;
  /** Points the DO's alarm at its earliest due task; call after committing a task, before trying it inline. */
  armAlarm: () => Promise<void>;
}
