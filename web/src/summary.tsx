import type { Escalation } from './api';
import { breakerTripped } from './breaker-cell';
import { rigHealthCounts } from './rigs';
import type { TownData } from './town-data';

export type Severity = Escalation['severity'];
/** Most urgent first: the order of the strip and of Needs attention. */
export const SEVERITIES_URGENT_FIRST: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export type SectionId = 'rigs' | 'convoys' | 'escalations';

/** What following a figure does to its section besides scrolling to it. */
export type Focus = { kind: 'section' } | { kind: 'healthy-rigs' } | { kind: 'severity'; severity: Severity };

/** One figure of the summary strip: a count that links to its section, filtered. */
export interface Figure {
  /** Stable, also the element's `data-figure` (tests find a figure by it). */
  key: string;
  /** null while its list loads. */
  value: number | null;
  /** The list was read up to its cap: there are at least `value`. */
  atLeast: boolean;
  label: string;
  section: SectionId;
  focus: Focus;
  /** 'bad' and 'warn' colour a non-zero value. */
  tone: 'ok' | 'bad' | 'warn' | 'neutral';
}

/**
 * The strip's figures, from what the page already read (no read of its own, so it is live with the
 * rest). A list of figures: a new one (the work loop's failed convoys, open breakers) is one more entry.
 */
export function townFigures(data: TownData): Figure[] {
  const figures: Figure[] = [];
  const rigs = data.rigs.loaded;
  if (!(rigs.state === 'ok' && rigs.value === null)) {
    // null: a rig token, which may not read rigs (nor escalations).
    const counts = rigs.state === 'ok' && rigs.value ? rigHealthCounts(rigs.value) : null;
    const rigFigure = (key: string, value: number | null, label: string, tone: Figure['tone'], focus: Focus): Figure => ({
      key,
      value,
      atLeast: false,
      label,
      section: 'rigs',
      focus,
      tone,
    });
    figures.push(rigFigure('rigs-healthy', counts?.healthy ?? null, 'rigs healthy', 'ok', { kind: 'healthy-rigs' }));
    figures.push(rigFigure('rigs-unhealthy', counts?.unhealthy ?? null, 'rigs unhealthy', 'bad', { kind: 'section' }));
    if (counts && counts.unchecked > 0)
      figures.push(rigFigure('rigs-unchecked', counts.unchecked, 'rigs not checked yet', 'warn', { kind: 'section' }));
    // Open or half-open: such a rig is listed among those that need a look, never collapsed.
    const openBreakers = rigs.state === 'ok' && rigs.value ? rigs.value.rigs.filter(breakerTripped).length : null;
    figures.push(rigFigure('breakers-open', openBreakers, 'open breakers', 'bad', { kind: 'section' }));
  }
  const convoys = data.convoys.loaded;
  figures.push({
    key: 'convoys-active',
    value: convoys.state === 'ok' ? convoys.value.items.length : null,
    atLeast: convoys.state === 'ok' && !convoys.value.complete,
    label: 'active convoys',
    section: 'convoys',
    focus: { kind: 'section' },
    tone: 'neutral',
  });
  const escalations = data.escalations.loaded;
  if (!(escalations.state === 'ok' && escalations.value === null)) {
    // Failed convoys are listed under Needs attention (with Retry failed), which a rig token does not see.
    const settled = data.settled.loaded;
    figures.push({
      key: 'convoys-failed',
      value: settled.state === 'ok' ? settled.value.failed.items.length : null,
      atLeast: settled.state === 'ok' && !settled.value.failed.complete,
      label: 'failed convoys',
      section: 'escalations',
      focus: { kind: 'section' },
      tone: 'bad',
    });
    const list = escalations.state === 'ok' ? escalations.value : null;
    for (const severity of SEVERITIES_URGENT_FIRST) {
      figures.push({
        key: `escalations-open-${severity}`,
        value: list ? list.items.filter((e) => e.status === 'open' && e.severity === severity).length : null,
        atLeast: list ? !list.complete : false,
        label: `open ${severity}`,
        section: 'escalations',
        focus: { kind: 'severity', severity },
        tone: severity === 'critical' || severity === 'high' ? 'bad' : severity === 'medium' ? 'warn' : 'neutral',
      });
    }
  }
  return figures;
}

/** The row of figures at the top of the town page. */
export function SummaryStrip({ figures, onFollow }: { figures: Figure[]; onFollow: (figure: Figure) => void }) {
  return (
    <nav class="summary" aria-label="Summary">
      <ul class="figures">
        {figures.map((figure) => (
          <li key={figure.key} class={`figure tone-${figure.value ? figure.tone : 'neutral'}`} data-figure={figure.key}>
            <a href={`#${figure.section}`} onClick={() => onFollow(figure)}>
              <span class="figure-value">{figure.value === null ? '…' : `${figure.value}${figure.atLeast ? '+' : ''}`}</span>{' '}
              <span class="figure-label">{figure.label}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
