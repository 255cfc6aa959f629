import type { Convoy } from './api';
import { Time } from './sections';

// The convoy page's due date line (issue 28): the date, the forecast's expected landing and its health
// in words (a badge coloured as well), and how many watchers are told of it.

const HEALTH_WORDS: Record<Convoy['forecast']['health'], string> = {
  on_track: 'on track',
  at_risk: 'at risk',
  off_track: 'off track',
  no_estimate: 'no estimate yet',
};

export function DueLine({ convoy }: { convoy: Convoy }) {
  const { dueAt, forecast, watchers } = convoy;
  return (
    <p class="muted small" data-testid="convoy-due">
      {dueAt ? (
        <>
          Due <Time iso={dueAt} />
        </>
      ) : (
        'No due date'
      )}
      {' · '}
      <span class={`badge forecast-${forecast.health}`} data-testid="forecast-health">
        {HEALTH_WORDS[forecast.health]}
      </span>
      {forecast.expectedLandAt && (
        <>
          {' '}
          · expected to land <Time iso={forecast.expectedLandAt} />
        </>
      )}
      {' · '}
      <span data-testid="convoy-watchers">
        {watchers} {watchers === 1 ? 'watcher' : 'watchers'}
      </span>
    </p>
  );
}
