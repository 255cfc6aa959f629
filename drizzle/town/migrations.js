import m0000 from './0000_seed.sql';
import m0001 from './0001_town_identity.sql';
import m0002 from './0002_scheduler.sql';
import m0003 from './0003_outbox.sql';
import m0004 from './0004_convoy_delivery.sql';
import m0005 from './0005_watchdog.sql';
import m0006 from './0006_escalation_routing.sql';
import m0007 from './0007_rig_delivery_watermark.sql';
import m0008 from './0008_escalation_idempotency_key.sql';
import m0009 from './0009_rig_open_beads_index.sql';
import m0010 from './0010_town_settings.sql';
import m0011 from './0011_event_log.sql';
import m0012 from './0012_convoy-rig-progress.sql';
import m0013 from './0013_backfill-convoy-rig-progress.sql';
import m0014 from './0014_auth_tokens_webhook_secrets.sql';
import m0015 from './0015_escalation-lifecycle.sql';
import m0016 from './0016_retention-compaction.sql';
import m0017 from './0017_escalation-keys-per-source.sql';
import m0018 from './0018_auth-token-issuer.sql';
import m0019 from './0019_webhook-allow-any-port.sql';
import m0020 from './0020_convoy-due-dates-watchers.sql';
import m0021 from './0021_work_loop.sql';
import m0022 from './0022_backfill_convoy_outcomes.sql';
import m0023 from './0023_convoy_dependencies.sql';
import m0024 from './0024_pauses_and_budgets.sql';
import m0025 from './0025_convoy_priority.sql';
import m0026 from './0026_cost_unit.sql';
import m0027 from './0027_bead_generation.sql';
import journal from './meta/_journal.json';

export default {
  journal,
  migrations: {
    m0000,
    m0001,
    m0002,
    m0003,
    m0004,
    m0005,
    m0006,
    m0007,
    m0008,
    m0009,
    m0010,
    m0011,
    m0012,
    m0013,
    m0014,
    m0015,
    m0016,
    m0017,
    m0018,
    m0019,
    m0020,
    m0021,
    m0022,
    m0023,
    m0024,
    m0025,
    m0026,
    m0027,
  },
};
