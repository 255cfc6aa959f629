import type { ComponentChildren } from 'preact';
import type { HealthRecord, Rig, WatchdogStatus } from './api';
import { BreakerCell, breakerTripped, type ResetBreaker } from './breaker-cell';
import { Expander } from './expander';
import { matchesQuery } from './filter';
import type { Loaded } from './load';
import { Show, Time } from './sections';

export interface RigsData {
  rigs: Rig[];
  watchdog: WatchdogStatus;
}

/** Up to this many healthy rigs are listed as they are; more collapse into one line "N rigs healthy". */
export const HEALTHY_RIGS_LISTED_UP_TO = 5;

export type RigHealth = 'unhealthy' | 'unchecked' | 'healthy';
/** The order of the table: what needs a look first (a healthy rig whose breaker tripped comes after the unhealthy ones). */
const HEALTH_ORDER: readonly RigHealth[] = ['unhealthy', 'unchecked', 'healthy'];
const lookOrder = (state: RigHealth, rig: Rig) => (state === 'healthy' && breakerTripped(rig) ? 0.5 : HEALTH_ORDER.indexOf(state));

function healthOf(record: HealthRecord | undefined): RigHealth {
  if (!record) return 'unchecked';
  return record.status === 'healthy' ? 'healthy' : 'unhealthy';
}

/** How many rigs are healthy, unhealthy and not checked yet (the summary strip's figures). */
export function rigHealthCounts({ rigs, watchdog }: RigsData): Record<RigHealth, number> {
  const health = new Map(watchdog.targets.map((t) => [t.target, t]));
  const counts: Record<RigHealth, number> = { unhealthy: 0, unchecked: 0, healthy: 0 };
  for (const rig of rigs) counts[healthOf(health.get(rig.id))] += 1;
  return counts;
}

/**
 * Each rig (and the Town Container) with its health from the watchdog's last check and its breaker: the
 * rigs that need a look first; healthy ones with a closed breaker, when there are many, collapsed behind
 * "Show all N rigs". The filter narrows them by name or id.
 */
export function RigsTable({
  loaded,
  query,
  expanded,
  onToggle,
  resetBreaker,
}: {
  loaded: Loaded<RigsData | null>;
  query: string;
  expanded: boolean;
  onToggle: () => void;
  resetBreaker: ResetBreaker;
}) {
  return (
    <Show loaded={loaded}>
      {({ rigs, watchdog }) => {
        const health = new Map(watchdog.targets.map((t) => [t.target, t]));
        const containers = watchdog.targets.filter((t) => t.kind === 'container' && matchesQuery(query, t.name, t.target));
        if (rigs.length === 0) return <p class="muted">No rigs registered.</p>;
        const matching = rigs
          .filter((rig) => matchesQuery(query, rig.name, rig.id))
          .map((rig) => ({ rig, record: health.get(rig.id), state: healthOf(health.get(rig.id)) }))
          .sort((a, b) => lookOrder(a.state, a.rig) - lookOrder(b.state, b.rig) || a.rig.name.localeCompare(b.rig.name));
        const healthy = matching.filter((row) => row.state === 'healthy').length;
        const collapsible = healthy > HEALTHY_RIGS_LISTED_UP_TO;
        const shown = collapsible && !expanded ? matching.filter((row) => row.state !== 'healthy' || breakerTripped(row.rig)) : matching;
        return (
          <>
            {shown.length + containers.length > 0 && (
              <table class="rigs" id="rigs-table">
                <thead>
                  <tr>
                    <th scope="col">Rig</th>
                    <th scope="col">Health</th>
                    <th scope="col">Last check</th>
                    <th scope="col">Latency</th>
                    <th scope="col">Breaker</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map(({ rig, record }) => (
                    <HealthRow key={rig.id} name={rig.name} record={record}>
                      <BreakerCell rig={rig} reset={resetBreaker} />
                    </HealthRow>
                  ))}
                  {containers.map((record) => (
                    <HealthRow key={record.target} name={`${record.name} (container)`} record={record}>
                      <td>—</td>
                    </HealthRow>
                  ))}
                </tbody>
              </table>
            )}
            {matching.length === 0 && <p class="muted">No rig matches the filter.</p>}
            {collapsible && (
              <p class="collapsed-line">
                <span>
                  <span class="badge health-healthy">{healthy}</span> rigs healthy
                </span>
                <Expander
                  expanded={expanded}
                  onToggle={onToggle}
                  collapsedLabel={`Show all ${matching.length} rigs`}
                  expandedLabel="Show fewer rigs"
                  controls="rigs-table"
                />
              </p>
            )}
            <p class="muted small">
              Last heartbeat <Time iso={watchdog.lastHeartbeat?.at ?? null} />, next <Time iso={watchdog.nextHeartbeatAt} />.
            </p>
          </>
        );
      }}
    </Show>
  );
}

function HealthRow({ name, record, children }: { name: string; record: HealthRecord | undefined; children: ComponentChildren }) {
  return (
    <tr data-rig={name}>
      <th scope="row">{name}</th>
      <td>
        {record ? (
          <span class={`badge health-${record.status}`} title={record.lastError ?? undefined}>
            {record.status}
          </span>
        ) : (
          <span class="muted">not checked yet</span>
        )}
      </td>
      <td>
        <Time iso={record?.lastCheckedAt ?? null} />
      </td>
      <td>{record ? `${record.latencyMs} ms` : '—'}</td>
      {children}
    </tr>
  );
}
