import type { TownContext } from '../core/context';
import { setSettings, type TownSettings, type TownSettingsUpdate } from '../core/settings';
import { schedulePruneNow } from './event-prune-schedule';

/**
 * `town.setSettings`: the new settings, and in the same transaction the pruning re-planned when the
 * event retention changed (set or back to its default with null): a shortened retention applies now,
 * not at the next expiry computed under the old one.
 */
export function changeSettings(ctx: TownContext, update: TownSettingsUpdate): TownSettings {
  return ctx.db.transaction(() => {
    const settings = setSettings(ctx, update);
    if (update.eventRetentionDays !== undefined) schedulePruneNow(ctx);
    return settings;
  });
}
