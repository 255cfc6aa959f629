import { runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { takeEscaped } from './escaped-errors';
import { client, newTownId, quietConsole, townStub } from './helpers';

// The guard of test/escaped-errors.ts watches the classes the runtime really instantiates: an error
// escaping a DO method is seen (and would fail the test), an injected one is not.

const api = client();

afterEach(() => vi.restoreAllMocks());

describe('errors escaping a Durable Object', () => {
  it('are recorded against the DO method they escaped, unless injected', async () => {
    quietConsole('error');
    const townId = newTownId('escape');
    await api.rig.list.query({ townId });
    await runInDurableObject(townStub(townId), (_i, state) => {
      state.storage.sql.exec('alter table rigs rename to rigs_lost'); // an error the TownDO does not expect
    });
    await expect(api.rig.list.query({ townId })).rejects.toThrow('internal error');
    expect(takeEscaped()).toContain('TownDO.listRigs: no such table: rigs: SQLITE_ERROR');
  });
});
