import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { describeError, type HealthRecord, type Rig, type WatchdogStatus } from './api';
import type { Loaded } from './load';
import { Show, Time } from './sections';

export interface RigsData {
  rigs: Rig[];
  watchdog: WatchdogStatus;
}

/** Each rig (and the Town Container) with its health from the watchdog's last check, and its breaker. */
export function RigsTable({
  loaded,
  resetBreaker,
}: {
  loaded: Loaded<RigsData | null>;
  resetBreaker: ((rig: Rig) => Promise<void>) | null;
}) {
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
                  <th scope="col">Breaker</th>
                </tr>
              </thead>
              <tbody>
                {rigs.map((rig) => (
                  <HealthRow key={rig.id} name={rig.name} record={health.get(rig.id)}>
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

/** The rig's breaker: its state in words, when it lets a claim through, and Reset for a town token. */
function BreakerCell({ rig, reset }: { rig: Rig; reset: ((rig: Rig) => Promise<void>) | null }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { state, reopensAt } = rig.breaker;
  return (
    <td data-testid="breaker">
      <span class={`badge breaker-${state}`}>{state.replace('_', '-')}</span>
      {state !== 'closed' && (
        <>
          {' '}
          <span class="muted small">
            until <Time iso={reopensAt} />
          </span>
          {reset && (
            <button
              type="button"
              disabled={busy}
              aria-label={`Reset the breaker of ${rig.name}`}
              onClick={async () => {
                setBusy(true);
                setError(null);
                try {
                  await reset(rig);
                } catch (failure) {
                  setError(describeError(failure));
                } finally {
                  setBusy(false);
                }
              }}
            >
              Reset
            </button>
          )}
        </>
      )}
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </td>
  );
}
