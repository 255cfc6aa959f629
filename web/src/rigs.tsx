import type { HealthRecord, Rig, WatchdogStatus } from './api';
import type { Loaded } from './load';
import { Show, Time } from './sections';

export interface RigsData {
  rigs: Rig[];
  watchdog: WatchdogStatus;
}

/** Each rig (and the Town Container) with its health from the watchdog's last check. */
export function RigsTable({ loaded }: { loaded: Loaded<RigsData | null> }) {
  return (
    <Show loaded={loaded}>
      {({ rigs, watchdog }) => {
        const health = new Map(watchdog.targets.map((t) => [t.target, t]));
        const containers = watchdog.targets.filter((t) => t.kind === 'container');
        if (rigs.length === 0) return <p class="muted">No rigs registered.</p>;
        return (
          <>
            <table class="rigs">
              <thead>
                <tr>
                  <th scope="col">Rig</th>
                  <th scope="col">Health</th>
                  <th scope="col">Last check</th>
                  <th scope="col">Latency</th>
                </tr>
              </thead>
              <tbody>
                {rigs.map((rig) => (
                  <HealthRow key={rig.id} name={rig.name} record={health.get(rig.id)} />
                ))}
                {containers.map((record) => (
                  <HealthRow key={record.target} name={`${record.name} (container)`} record={record} />
                ))}
              </tbody>
            </table>
            <p class="muted small">
              Last heartbeat <Time iso={watchdog.lastHeartbeat?.at ?? null} />, next <Time iso={watchdog.nextHeartbeatAt} />.
            </p>
          </>
        );
      }}
    </Show>
  );
}

function HealthRow({ name, record }: { name: string; record: HealthRecord | undefined }) {
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
    </tr>
  );
}
