import m0000 from './0000_rig_beads.sql';
import m0001 from './0001_work_loop.sql';
import m0002 from './0002_backfill_done_outcome.sql';
import m0003 from './0003_blocked_beads.sql';
import m0004 from './0004_pauses.sql';
import m0005 from './0005_bead_priority.sql';
import m0006 from './0006_backfill_claimable_since.sql';
import m0007 from './0007_bead_generation.sql';
import m0008 from './0008_rig_remembers_its_id.sql';
import m0009 from './0009_active_pauses.sql';
import m0010 from './0010_narrow_status_index.sql';
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
  },
};
