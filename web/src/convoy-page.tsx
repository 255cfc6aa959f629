import { rigProgress, type TownClient } from './api';
import { PerRig, ProgressBar } from './convoys';
import { useLoad } from './load';
import { Section, Show, Time } from './sections';
import type { Session } from './session';

/** One convoy: its progress, per rig, and its beads. */
export function ConvoyPage({
  client,
  session,
  convoyId,
  rigNames,
}: {
  client: TownClient;
  session: Session;
  convoyId: string;
  rigNames: Map<string, string>;
}) {
  const { loaded } = useLoad(() => client.convoy.get.query({ townId: session.townId, convoyId }), [client, session.townId, convoyId]);
  return (
    <div class="convoy-page">
      <p>
        <a href="#/">← Town</a>
      </p>
      <Show loaded={loaded}>
        {(convoy) => (
          <>
            <h2 id="convoy-page-title">{convoy.title}</h2>
            <p class="muted">
              {convoy.status} · {convoy.closedBeads}/{convoy.totalBeads} beads closed · created <Time iso={convoy.createdAt} />
              {convoy.landedAt && (
                <>
                  {' '}
                  · landed <Time iso={convoy.landedAt} />
                </>
              )}
            </p>
            <ProgressBar labelledBy="convoy-page-title" closed={convoy.closedBeads} total={convoy.totalBeads} />
            <PerRig rigs={rigProgress(convoy)} rigNames={rigNames} />
            <Section id="beads" title="Beads">
              <table class="beads">
                <thead>
                  <tr>
                    <th scope="col">Bead</th>
                    <th scope="col">Rig</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {convoy.beads.map((bead) => (
                    <tr key={bead.id}>
                      <th scope="row">{bead.title}</th>
                      <td>{rigNames.get(bead.rigId) ?? bead.rigId}</td>
                      <td>
                        <span class={`badge bead-${bead.status}`}>{bead.status}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
          </>
        )}
      </Show>
    </div>
  );
}
