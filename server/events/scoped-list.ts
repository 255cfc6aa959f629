import type { TownContext } from '../core/context';
import { type EventFilter, type EventPage, listEvents } from '../core/event-log';
import { scopedFilter } from '../core/event-scope';

/** `event.list`, narrowed to what `narrowTo`'s rig may see (null: everything, for admin and town tokens). */
export function listEventsFor(
  ctx: TownContext,
  input: EventFilter & { after?: string; limit?: number; latest?: boolean },
  narrowTo: string | null,
): EventPage {
  return listEvents(ctx, scopedFilter(ctx, input, narrowTo));
}
