import { DAY_MS } from '../server/core/time';

// Direct inserts that give a bench town a long history quickly (one statement per table, rows made by
// a recursive CTE inside SQLite). Rows look like what the procedures write; timestamps are in the past.

const count = (n: number) => `with recursive n(i) as (select 0 union all select i + 1 from n where i + 1 < ${n})`;

/** `convoys` landed convoys of `beadsPerConvoy` closed beads over `rigIds`, created `daysAgo` days ago. */
export function seedConvoys(
  storage: DurableObjectStorage,
  opts: { convoys: number; beadsPerConvoy: number; rigIds: string[]; daysAgo: number; prefix: string },
) {
  const at = new Date(Date.now() - opts.daysAgo * DAY_MS).toISOString();
  const rigs = JSON.stringify(opts.rigIds);
  storage.sql.exec(
    `${count(opts.convoys)} insert into convoys (id, title, status, total_beads, closed_beads, created_at, landed_at)
     select ?1 || printf('%08d', i), 'seeded ' || i, 'landed', ?2, ?2, ?3, ?3 from n`,
    opts.prefix,
    opts.beadsPerConvoy,
    at,
  );
  // One convoy's beads per statement would be 10,000 statements: one statement per 1,000 convoys instead.
  for (let first = 0; first < opts.convoys; first += 1_000) {
    const convoys = Math.min(1_000, opts.convoys - first);
    storage.sql.exec(
      `${count(convoys * opts.beadsPerConvoy)}
       insert into convoy_beads (convoy_id, bead_id, rig_id, status, title, position)
       select ?1 || printf('%08d', ?2 + i / ?3), ?1 || printf('%08d', ?2 + i / ?3) || '-' || (i % ?3),
              json_extract(?4, '$[' || (i % json_array_length(?4)) || ']'), 'closed', 'seeded bead ' || i, i % ?3 from n`,
      opts.prefix,
      first,
      opts.beadsPerConvoy,
      rigs,
    );
  }
}

export function seedEscalations(storage: DurableObjectStorage, n: number, rigIds: string[]) {
  const at = new Date(Date.now() - 10 * DAY_MS).toISOString();
  storage.sql.exec(
    `${count(n)} insert into escalations (id, source_rig_id, severity, original_severity, category, message, acknowledged, created_at)
     select 'seed-esc-' || printf('%08d', i), json_extract(?1, '$[' || (i % json_array_length(?1)) || ']'), 'low', 'low', 'seeded', 'seeded escalation ' || i, 1, ?2 from n`,
    JSON.stringify(rigIds),
    at,
  );
}

export function seedEvents(storage: DurableObjectStorage, n: number) {
  const at = new Date(Date.now() - 10 * DAY_MS).toISOString();
  for (let done = 0; done < n; done += 250_000) {
    storage.sql.exec(
      `${count(Math.min(250_000, n - done))} insert into events (type, at, convoy_id, bead_id, data)
       select 'convoy.bead_closed', ?1, 'seed-' || printf('%08d', i / 100), 'seed-' || i, '{"closedBeads":1,"totalBeads":100}' from n`,
      at,
    );
  }
}

export function seedDeliveredOutbox(storage: DurableObjectStorage, n: number, daysAgo: number) {
  const at = new Date(Date.now() - daysAgo * DAY_MS).toISOString();
  storage.sql.exec(
    `${count(n)} insert into outbox (id, event_id, type, channel, payload, status, attempts, created_at, delivered_at)
     select 'seed-' || i || ':mayor', 'seed-' || i, 'convoy.landed', 'mayor', '{}', 'delivered', 1, ?1, ?1 from n`,
    at,
  );
}
