import { describe, expect, it } from 'vitest';
import { client, expectTrpcError, newTownId } from '../helpers';

const api = client();
const DEFAULTS = {
  eventRetentionDays: 30,
  convoyRetentionDays: 30,
  outboxRetentionDays: 30,
  storageBudgetBytes: 10 * 1024 ** 3,
  breakerFailures: 5,
  breakerWindowMinutes: 30,
  breakerCooldownMinutes: 15,
  strandedAfterMinutes: 60,
  dailyBudget: null,
  agingMinutes: 60,
  costUnit: 'usd',
};

describe('town.settings', () => {
  it('starts at the documented defaults', async () => {
    expect(await api.town.settings.query({ townId: newTownId() })).toEqual(DEFAULTS);
  });

  it('sets fields, leaves omitted ones alone, and null brings one back to its default', async () => {
    const townId = newTownId();
    expect(await api.town.setSettings.mutate({ townId, eventRetentionDays: 7, storageBudgetBytes: 2 * 1024 ** 3 })).toEqual({
      ...DEFAULTS,
      eventRetentionDays: 7,
      storageBudgetBytes: 2 * 1024 ** 3,
    });
    await api.town.setSettings.mutate({ townId, convoyRetentionDays: 90 });
    await api.town.setSettings.mutate({ townId, eventRetentionDays: null });
    expect(await api.town.settings.query({ townId })).toEqual({ ...DEFAULTS, convoyRetentionDays: 90, storageBudgetBytes: 2 * 1024 ** 3 });
  });

  it('refuses out-of-range values naming the field, and changes nothing', async () => {
    const townId = newTownId();
    await api.town.setSettings.mutate({ townId, outboxRetentionDays: 10 });
    await expectTrpcError(api.town.setSettings.mutate({ townId, outboxRetentionDays: 0 }), 'BAD_REQUEST', /outboxRetentionDays/);
    await expectTrpcError(api.town.setSettings.mutate({ townId, eventRetentionDays: 3651 }), 'BAD_REQUEST', /eventRetentionDays/);
    await expectTrpcError(api.town.setSettings.mutate({ townId, storageBudgetBytes: 1024 }), 'BAD_REQUEST', /storageBudgetBytes/);
    expect(await api.town.settings.query({ townId })).toEqual({ ...DEFAULTS, outboxRetentionDays: 10 });
  });

  it('costUnit: a label set, answered by town.status, and null back to "usd"', async () => {
    const townId = newTownId();
    expect((await api.town.status.query({ townId })).costUnit).toBe('usd');
    expect(await api.town.setSettings.mutate({ townId, costUnit: 'credits' })).toEqual({ ...DEFAULTS, costUnit: 'credits' });
    await api.town.setSettings.mutate({ townId, breakerFailures: 7 });
    expect((await api.town.status.query({ townId })).costUnit).toBe('credits');
    await expectTrpcError(api.town.setSettings.mutate({ townId, costUnit: 'US Dollars' }), 'BAD_REQUEST', /costUnit/);
    expect((await api.town.settings.query({ townId })).costUnit).toBe('credits');
    await api.town.setSettings.mutate({ townId, costUnit: null });
    expect(await api.town.settings.query({ townId })).toEqual({ ...DEFAULTS, breakerFailures: 7 });
    expect((await api.town.status.query({ townId })).costUnit).toBe('usd');
  });

  it('keeps towns apart', async () => {
    const a = newTownId();
    await api.town.setSettings.mutate({ townId: a, eventRetentionDays: 3 });
    expect(await api.town.settings.query({ townId: newTownId() })).toEqual(DEFAULTS);
  });
});
