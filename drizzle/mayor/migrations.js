import m0000 from './0000_mailbox.sql';
import m0001 from './0001_mayor_remembers_its_town.sql';
import journal from './meta/_journal.json';

export default {
  journal,
  migrations: {
    m0000,
    m0001,
  },
};
