// The work loop on the dashboard (issue 24) in a real browser: outcomes in words, failed convoys with
// Retry failed, breakers with Reset, the strip's figures for both, Needs attention by severity then
// age, recently settled convoys. Shares its setup with dashboard.test.ts (session.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { newTownId } from './seed.ts';
import { dashboardSession, skipWithoutChromium } from './session.ts';

describe('the work loop on the dashboard', { skip: skipWithoutChromium }, () => {
  const suite = dashboardSession('work-loop');
  const { openPage, signIn } = suite;
  const figure = (page: Page, key: string) => page.locator(`[data-figure="${key}"] .figure-value`);

  test('the work loop: outcomes in words, a failed convoy with Retry failed, a breaker with Reset, occurrences, the opening feed', async () => {
    const townId = newTownId('loop');
    const rig = await suite.api.rig.register.mutate({ townId, name: 'worker' });
    await suite.api.town.setSettings.mutate({ townId, breakerFailures: 1 });
    const convoy = await suite.api.convoy.create.mutate({
      townId,
      title: 'Flaky tests',
      maxAttempts: 1,
      beads: [
        { rigId: rig.id, title: 'first' },
        { rigId: rig.id, title: 'second' },
      ],
    });
    const ref = { townId, rigId: rig.id };
    const claimed = await suite.api.rig.claimBead.mutate({ ...ref, agentId: 'agent-1' });
    await suite.api.rig.closeBead.mutate({ ...ref, beadId: claimed.bead?.id ?? '', agentId: 'agent-1', outcome: 'failed', reason: 'red' });
    await suite.api.rig.closeBead.mutate({ ...ref, beadId: convoy.beadIds[1] ?? '', ref: 'https://example.com/pr/7' });
    for (let i = 0; i < 2; i++)
      await suite.api.escalation.raise.mutate({ townId, sourceRigId: rig.id, severity: 'low', message: 'disk filling', dedupKey: 'disk' });
    // The breaker's report reaches the town within a couple of seconds.
    for (let i = 0; i < 50 && (await suite.api.rig.get.query(ref)).breaker.state === 'closed'; i++)
      await new Promise((r) => setTimeout(r, 100));

    const page = await openPage();
    await signIn(page, townId);
    // The feed opens with the town's last events, before anything new happens.
    await page.getByRole('region', { name: 'Recent events' }).getByText('Convoy “Flaky tests” failed').waitFor();
    const attention = page.getByRole('region', { name: 'Needs attention' });
    const failed = attention.locator(`[data-failed-convoy="${convoy.id}"]`);
    await failed.getByText('1 of 2 beads failed').waitFor();
    await attention.getByText('×2').waitFor();
    // Severity first: the high convoy-failed escalation comes before the low one.
    const messages = await attention.locator('.escalation-message').allTextContents();
    const high = messages.findIndex((m) => m.includes('failed:'));
    const low = messages.findIndex((m) => m.includes('disk filling'));
    assert.ok(high >= 0 && low > high, `order: ${messages.join(' | ')}`);
    // The settled convoy says how it went in words, not colour alone.
    await page.getByRole('region', { name: 'Active convoys' }).getByText('1 done · 1 failed · 0 skipped', { exact: false }).waitFor();

    // The strip counts them (and links to where they are handled).
    await figure(page, 'convoys-failed').getByText('1', { exact: true }).waitFor();
    await figure(page, 'breakers-open').getByText('1', { exact: true }).waitFor();

    const rigs = page.getByRole('region', { name: 'Rigs' });
    await rigs
      .getByRole('row', { name: /worker/ })
      .getByText('open', { exact: true })
      .waitFor();
    await rigs.getByRole('button', { name: 'Reset the breaker of worker' }).click();
    await rigs
      .getByRole('row', { name: /worker/ })
      .getByText('closed', { exact: true })
      .waitFor();
    assert.equal((await suite.api.rig.get.query(ref)).breaker.state, 'closed');
    await figure(page, 'breakers-open').getByText('0', { exact: true }).waitFor();

    await failed.getByRole('button', { name: 'Retry failed' }).click();
    await failed.waitFor({ state: 'detached' });
    assert.equal((await suite.api.convoy.get.query({ townId, convoyId: convoy.id })).status, 'active');
    await figure(page, 'convoys-failed').getByText('0', { exact: true }).waitFor();

    // The convoy's bead table: outcome, attempt, holder, and the ref as a link.
    await page.goto(`${suite.dev.url}/#/convoys/${encodeURIComponent(convoy.id)}`);
    const table = page.locator('table.beads');
    await table.getByRole('link', { name: 'https://example.com/pr/7' }).waitFor();
    await table
      .getByRole('row', { name: /second/ })
      .getByText('done', { exact: true })
      .waitFor();
    await page.context().close();
  });

  test('recently settled convoys (landed, cancelled) are listed under the active ones, each saying how it ended', async () => {
    const townId = newTownId('settled');
    const rig = await suite.api.rig.register.mutate({ townId, name: 'builder' });
    const create = (title: string) => suite.api.convoy.create.mutate({ townId, title, beads: [{ rigId: rig.id, title: `${title} bead` }] });
    const landed = await create('Landed one');
    await suite.api.rig.closeBead.mutate({ townId, rigId: rig.id, beadId: landed.beadIds[0] ?? '' });
    const cancelled = await create('Cancelled one');
    await suite.api.convoy.cancel.mutate({ townId, convoyId: cancelled.id });
    await create('Still going');
    // Closes reach the town's counters within a moment: wait for the landing before looking.
    for (let i = 0; i < 50 && (await suite.api.convoy.get.query({ townId, convoyId: landed.id })).status !== 'landed'; i++)
      await new Promise((r) => setTimeout(r, 100));

    const page = await openPage();
    await signIn(page, townId);
    const settled = page.getByRole('region', { name: 'Active convoys' }).locator('.settled-convoys');
    await settled.locator(`[data-convoy-id="${landed.id}"]`).getByText('landed', { exact: true }).waitFor();
    await settled.locator(`[data-convoy-id="${cancelled.id}"]`).getByText('cancelled', { exact: true }).waitFor();
    await settled.locator(`[data-convoy-id="${landed.id}"]`).getByText('1 done · 0 failed · 0 skipped', { exact: false }).waitFor();
    assert.equal(await settled.getByText('Still going').count(), 0, 'an active convoy is not among the settled');
    assert.equal(await page.locator(`.convoys:not(.settled-convoys) [data-convoy-id="${landed.id}"]`).count(), 0);
    await page.context().close();
  });

  test('Needs attention: by severity, then the longest waiting first', async () => {
    const townId = newTownId('order');
    const rig = await suite.api.rig.register.mutate({ townId, name: 'queue' });
    const raise = (severity: 'low' | 'high', message: string) =>
      suite.api.escalation.raise.mutate({ townId, sourceRigId: rig.id, severity, message });
    await raise('low', 'old low');
    await raise('high', 'old high');
    await raise('high', 'new high');
    const page = await openPage();
    await signIn(page, townId);
    const attention = page.getByRole('region', { name: 'Needs attention' });
    await attention.getByText('old low').waitFor();
    const messages = await attention.locator('.escalation-message').allTextContents();
    assert.deepEqual(messages, ['old high', 'new high', 'old low']);
    await page.context().close();
  });
});
