import type { RouterOutputs } from '@town/client';
import type { TownClient } from './api';
import { type TownBus, useTownSignals } from './bus';
import { type Loaded, useLoad } from './load';
import { PauseSwitch } from './pause-switch';
import { Time } from './sections';
import { canHandleEscalations, type Session } from './session';
import { SpendBar } from './spend-bar';

// The town's pause and today's spend (`town.status`, O(1) rows): a banner on every page while the town
// is paused (issue 27), and on the town page the spend against the daily budget (issue 28) and the switch.

export type TownStatus = RouterOutputs['town']['status'];

export function useTownStatus(client: TownClient, session: Session, bus: TownBus) {
  const { townId } = session;
  const status = useLoad(() => client.town.status.query({ townId }), [client, townId]);
  // A pause or resume is a town event; spend moves with closes (cost reports ride on them or follow them).
  useTownSignals(bus, (signal) => {
    if (signal.kind === 'resync') return status.reload();
    const { type } = signal.event;
    if (type.startsWith('town.') || type === 'convoy.bead_closed' || type.startsWith('escalation.')) status.reload();
  });
  return status;
}

export function TownStatusBar({
  client,
  session,
  status,
  onTownPage,
}: {
  client: TownClient;
  session: Session;
  status: { loaded: Loaded<TownStatus>; reload: () => void };
  onTownPage: boolean;
}) {
  if (status.loaded.state !== 'ok') return null;
  const town = status.loaded.value;
  const mayPause = canHandleEscalations(session.role);
  const { townId } = session;
  const pause = mayPause
    ? async (reason: string) => {
        await client.town.pause.mutate({ townId, reason });
        status.reload();
      }
    : null;
  const resume = mayPause
    ? async () => {
        await client.town.resume.mutate({ townId });
        status.reload();
      }
    : null;
  const switchFor = <PauseSwitch what="the town" state={town} pause={pause} resume={resume} badge={false} />;
  return (
    <>
      {town.paused && (
        <section class="town-banner" aria-label="Town paused" data-testid="town-banner">
          <p>
            <strong>The town is paused</strong>: {town.pauseReason}
            {town.pausedAt && (
              <>
                {' '}
                · since <Time iso={town.pausedAt} />
              </>
            )}
            . No claim answers a bead until it is resumed.
          </p>
          {switchFor}
        </section>
      )}
      {onTownPage && (
        <div class="town-status">
          <SpendBar label="Spent today" spent={town.spentToday} budget={town.dailyBudget} testId="town-spend" />
          {!town.paused && mayPause && switchFor}
        </div>
      )}
    </>
  );
}
