import { asc, eq } from 'drizzle-orm';
import { convoys, events } from '../../schema/town';
import type { TownContext } from '../core/context';
import { notFound } from '../core/errors';
import { checkedCursor, EVENT_PAGE_DEFAULT, EVENT_SCAN_MAX_ROWS, readEvents, toTownEvent } from '../core/event-log';
import { type EventType, eventIdOf, type TownEvent } from '../core/event-shape';
import { visibleTo } from '../core/rig-membership';
import { CLOSE_SKETCH_RELATIVE_ACCURACY, mergeSketches, sketchCount, sketchQuantileMs } from './close-sketch';
import { type Convoy, toConvoy } from './views';

// `convoy.timeline`: the convoy's story from the town's event log (created, delivered per rig, each
// close, reopened, landed, cancelled, escalations that carry the convoy's id), a page at a time along
// the log's (convoy_id, seq) index, with figures that cost O(1) rows however many beads closed: time to
// land from the convoy row, and p50/p90 of the time from creation to each close from the close-time
// sketch kept on that row by every close (close-sketch.ts). 100,000 closes are 1 row for the figures
// and `limit` rows per page of the story.

export interface ConvoyTimelineInput {
  convoyId: string;
  types?: EventType[];
  limit?: number;
  cursor?: string;
}

export interface ConvoyTimelineFigures {
  /** From creation to the (latest) landing; null while not landed. */
  timeToLandMs: number | null;
  closeTimes: {
    /** Closes with a time (closes counted before the sketch existed have none). */
    timed: number;
    /** p50 / p90 of the time from the convoy's creation to each close, within `relativeAccuracy`; null without closes. */
    p50Ms: number | null;
    p90Ms: number | null;
    relativeAccuracy: number;
  };
}

export interface ConvoyTimeline {
  convoy: Convoy;
  figures: ConvoyTimelineFigures;
  /** True when the story does not start with `convoy.created`: older events were pruned (retention) or predate the log. */
  truncated: boolean;
  /** The story, oldest first (event-log events naming the convoy). */
  items: TownEvent[];
  /** Pass back as `cursor` for the next page; null: the story so far ends here (follow it with event.list/subscribe). */
  nextCursor: string | null;
}

function requireConvoyRow({ db }: TownContext, convoyId: string, narrowTo: string | null) {
  const row = db.select().from(convoys).where(eq(convoys.id, convoyId)).get();
  if (!row || !visibleTo(row, narrowTo)) throw notFound('convoy', convoyId);
  return row;
}

/** The figures, from the convoy's row alone. */
export function timelineFigures(row: typeof convoys.$inferSelect): ConvoyTimelineFigures {
  const sketch = mergeSketches([row.closeMsSketch]);
  return {
    timeToLandMs: row.status === 'landed' && row.landedAt ? Date.parse(row.landedAt) - Date.parse(row.createdAt) : null,
    closeTimes: {
      timed: sketchCount(sketch),
      p50Ms: sketchQuantileMs(sketch, 0.5),
      p90Ms: sketchQuantileMs(sketch, 0.9),
      relativeAccuracy: CLOSE_SKETCH_RELATIVE_ACCURACY,
    },
  };
}

/** Whether the convoy's first kept event is not its creation (one row along the index). */
function storyTruncated({ db }: TownContext, convoyId: string): boolean {
  const first = db
    .select({ type: events.type })
    .from(events)
    .where(eq(events.convoyId, convoyId))
    .orderBy(asc(events.convoyId), asc(events.seq))
    .limit(1)
    .get();
  return first?.type !== 'convoy.created';
}

/** `narrowTo` (a rig token's rig): a convoy it takes no part in is NOT_FOUND for it. */
export function convoyTimeline(ctx: TownContext, input: ConvoyTimelineInput, narrowTo: string | null = null): ConvoyTimeline {
  const row = requireConvoyRow(ctx, input.convoyId, narrowTo);
  const afterSeq = checkedCursor(ctx, 'cursor', input.cursor);
  const limit = input.limit ?? EVENT_PAGE_DEFAULT;
  // Unfiltered, every event along the convoy's index belongs to the story: read one more than the page.
  // With `types`, examine at most EVENT_SCAN_MAX_ROWS (a short page and a cursor, as event.list does).
  const scanRows = input.types === undefined ? limit + 1 : Math.max(limit + 1, EVENT_SCAN_MAX_ROWS);
  const page = readEvents(ctx, afterSeq, { convoyId: input.convoyId, types: input.types }, limit, scanRows);
  return {
    convoy: toConvoy(row, ctx.now()),
    figures: timelineFigures(row),
    truncated: storyTruncated(ctx, input.convoyId),
    items: page.items.map(toTownEvent),
    nextCursor: page.more ? eventIdOf(page.examinedThrough) : null,
  };
}
