// A convoy's closes over time as an SVG step line (cumulative closed beads against time). Plain SVG: a
// few dozen elements, crisp at any width, readable by the test and by screen readers (role="img" + a summary).

const WIDTH = 600;
const HEIGHT = 200;
const PAD = { left: 36, right: 12, top: 10, bottom: 24 };

export interface ClosePoint {
  /** When the close happened (ISO-8601). */
  at: string;
  /** Closed beads after it. */
  closed: number;
}

function timeLabel(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function TimelineChart({
  startedAt,
  endedAt,
  total,
  points,
}: {
  startedAt: string;
  endedAt: string;
  total: number;
  points: ClosePoint[];
}) {
  const t0 = Date.parse(startedAt);
  const t1 = Math.max(Date.parse(endedAt), t0 + 1, ...points.map((p) => Date.parse(p.at)));
  const maxY = Math.max(total, 1, ...points.map((p) => p.closed));
  const x = (ms: number) => PAD.left + ((ms - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (n: number) => HEIGHT - PAD.bottom - (n / maxY) * (HEIGHT - PAD.top - PAD.bottom);

  // A step line: flat until each close, then up by it.
  let path = `M${x(t0).toFixed(1)},${y(0).toFixed(1)}`;
  let last = 0;
  for (const point of points) {
    const px = x(Date.parse(point.at)).toFixed(1);
    path += ` L${px},${y(last).toFixed(1)} L${px},${y(point.closed).toFixed(1)}`;
    last = point.closed;
  }
  path += ` L${x(t1).toFixed(1)},${y(last).toFixed(1)}`;

  const summary = `${last} of ${total} beads closed between ${timeLabel(t0)} and ${timeLabel(t1)}`;
  return (
    <figure class="timeline-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Closes over time: ${summary}`}>
        <line class="axis" x1={PAD.left} y1={y(0)} x2={WIDTH - PAD.right} y2={y(0)} />
        <line class="axis" x1={PAD.left} y1={y(0)} x2={PAD.left} y2={y(maxY)} />
        <line class="goal" x1={PAD.left} y1={y(total)} x2={WIDTH - PAD.right} y2={y(total)} />
        <text x={PAD.left - 6} y={y(0)} text-anchor="end" dominant-baseline="middle">
          0
        </text>
        <text x={PAD.left - 6} y={y(total)} text-anchor="end" dominant-baseline="middle">
          {total}
        </text>
        <text x={PAD.left} y={HEIGHT - 6}>
          {timeLabel(t0)}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 6} text-anchor="end">
          {timeLabel(t1)}
        </text>
        <path class="line" d={path} data-points={points.length} />
      </svg>
      <figcaption class="muted small">{summary}</figcaption>
    </figure>
  );
}
