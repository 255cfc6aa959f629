// Convoys as plans (issue 27) and budgets (issue 28) on the dashboard, in a real browser: the
// dependency graph by wave (blocked beads dimmed, every node a named button, a list by wave at 390 px),
// pause and resume of a convoy and of the town from the page (seen through the API), spend bars.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { newTownId } from './seed.ts';
import { dashboardSession, skipWithoutChromium } from './session.ts';

describe('convoys as plans on the dashboard', { skip: skipWithoutChromium }, () => {
  const suite = dashboardSession('plans');
  const { openPage, signIn } = suite;

  /** A chain across two rigs (schema → api → client) beside a bead with no dependency; schema closed with a cost. */
  async function seedChain() {
    const townId = newTownId('plans');
    const db = await suite.api.rig.register.mutate({ townId, name: 'db' });
    const web = await suite.api.rig.register.mutate({ townId, name: 'web' });
    await suite.api.town.setSettings.mutate({ townId, dailyBudget: 20 });
    const convoy = await suite.api.convoy.create.mutate({
      townId,
      title: 'Login in order',
      budget: 10,
      beads: [
        { rigId: db.id, title: 'schema', key: 'schema' },
        { rigId: web.id, title: 'api', key: 'api', dependsOn: ['schema'] },
        { rigId: web.id, title: 'client', key: 'client', dependsOn: ['api'] },
        { rigId: db.id, title: 'docs', key: 'docs' },
      ],
    });
    await suite.api.rig.closeBead.mutate({ townId, rigId: db.id, beadId: convoy.beadIds[0] ?? '', cost: 4 });
    // The close reaches the convoy's counters (and releases api) within a moment.
    for (let i = 0; i < 50 && (await suite.api.convoy.get.query({ townId, convoyId: convoy.id })).closedBeads < 1; i++)
      await new Promise((r) => setTimeout(r, 100));
    return { townId, convoy };
  }

  const openConvoy = async (page: Page, townId: string, convoyId: string) => {
    await signIn(page, townId);
    await page.goto(`${suite.dev.url}/#/convoys/${encodeURIComponent(convoyId)}`);
    await page.getByRole('heading', { name: 'Login in order' }).waitFor();
  };

  test('the graph: one column per wave, each bead named with its rig and state, blocked dimmed; a list by wave at 390 px', async () => {
    const { townId, convoy } = await seedChain();
    const page = await openPage();
    await openConvoy(page, townId, convoy.id);
    const graph = page.getByTestId('convoy-graph');
    await graph.getByRole('button', { name: 'client, web: blocked, waits on api' }).waitFor();
    const column = (wave: number) => graph.locator(`[data-wave="${wave}"]`);
    assert.deepEqual(await column(1).locator('.node-title').allTextContents(), ['schema', 'docs']);
    assert.deepEqual(await column(2).locator('.node-title').allTextContents(), ['api']);
    assert.deepEqual(await column(3).locator('.node-title').allTextContents(), ['client']);
    assert.equal(await graph.locator('.graph-wave').count(), 3);
    // The state in words on every node (colour only repeats it).
    assert.deepEqual(await graph.locator('.node-state').allTextContents(), ['done', 'open', 'open', 'blocked']);
    const blocked = graph.getByRole('button', { name: /^client/ });
    assert.equal(await blocked.getAttribute('data-state'), 'blocked');
    // (page code as strings: this file is type-checked without the DOM's types, like its neighbours)
    const opacity = async (beadId: string | undefined) =>
      Number(await page.evaluate(`getComputedStyle(document.querySelector('[data-bead-id="${beadId}"]')).opacity`));
    assert.ok((await opacity(convoy.beadIds[2])) < 1, 'a blocked bead is dimmed');
    const api = graph.getByRole('button', { name: 'api, web: open, waits on schema' });
    await api.waitFor();
    assert.equal(await opacity(convoy.beadIds[1]), 1);
    // Keyboard: the nodes are in the tab order, and pressing one shows its key and id.
    await graph.getByRole('button', { name: /^schema, db: done/ }).focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(`document.activeElement?.getAttribute('aria-label')`), 'docs, db: open');
    await page.keyboard.press('Enter');
    await graph.getByText(`key docs · ${convoy.beadIds[3]}`).waitFor();
    // Side by side at 1280 px…
    const top = async (wave: number) => (await column(wave).boundingBox())?.y ?? Number.NaN;
    assert.equal(await top(1), await top(2));
    // …one under the other at 390 px, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(`getComputedStyle(document.querySelector('.graph')).display === 'block'`);
    assert.ok((await top(2)) > (await top(1)), 'wave 2 under wave 1');
    assert.ok(await page.evaluate('document.documentElement.scrollWidth <= 390'), 'no horizontal scroll at 390 px');
    await page.context().close();
  });

  test('pause and resume a convoy from its page, and the town from the town page (seen through the API)', async () => {
    const { townId, convoy } = await seedChain();
    const convoyRef = { townId, convoyId: convoy.id };
    const page = await openPage();
    await openConvoy(page, townId, convoy.id);
    await page.getByLabel('Reason to pause Login in order').fill('waiting for review');
    await page.getByRole('button', { name: 'Pause Login in order' }).click();
    await page.getByTestId('paused-badge').getByText('Paused: waiting for review', { exact: false }).waitFor();
    const paused = await suite.api.convoy.get.query(convoyRef);
    assert.equal(paused.pauseReason, 'waiting for review');
    assert.ok(paused.pausedAt);
    await page.getByRole('button', { name: 'Resume Login in order' }).click();
    await page.getByTestId('paused-badge').waitFor({ state: 'detached' });
    assert.equal((await suite.api.convoy.get.query(convoyRef)).pausedAt, null);

    await page.getByRole('link', { name: '← Town' }).click();
    await page.getByLabel('Reason to pause the town').fill('rate limited');
    await page.getByRole('button', { name: 'Pause the town' }).click();
    const banner = page.getByRole('region', { name: 'Town paused' });
    await banner.getByText('rate limited', { exact: false }).waitFor();
    assert.deepEqual(await suite.api.town.status.query({ townId }).then((s) => ({ paused: s.paused, reason: s.pauseReason })), {
      paused: true,
      reason: 'rate limited',
    });
    // The banner stays on a convoy's page.
    await page.goto(`${suite.dev.url}/#/convoys/${encodeURIComponent(convoy.id)}`);
    await banner.waitFor();
    await banner.getByRole('button', { name: 'Resume the town' }).click();
    await banner.waitFor({ state: 'detached' });
    assert.equal((await suite.api.town.status.query({ townId })).paused, false);
    await page.context().close();
  });

  test('a rig token sees the pause but no Pause or Resume', async () => {
    const { townId, convoy } = await seedChain();
    await suite.api.town.pause.mutate({ townId, reason: 'maintenance' });
    const rigId = (await suite.api.convoy.get.query({ townId, convoyId: convoy.id })).rigs[0]?.rigId ?? '';
    const { token } = await suite.api.auth.issueToken.mutate({ townId, role: 'rig', rigId, ttlSeconds: 600, label: 'agent' });
    const page = await openPage();
    await signIn(page, townId, token);
    const banner = page.getByRole('region', { name: 'Town paused' });
    await banner.getByText('maintenance', { exact: false }).waitFor();
    assert.equal(await page.getByRole('button', { name: /^(Pause|Resume)/ }).count(), 0);
    await suite.api.town.resume.mutate({ townId });
    await page.context().close();
  });

  test('spend against budget: the convoy on its page, today against the daily budget on the town page', async () => {
    const { townId, convoy } = await seedChain();
    const page = await openPage();
    await signIn(page, townId);
    const today = page.getByTestId('town-spend');
    await today.getByText('Spent today: 4.00 usd of 20.00 usd (20 %)').waitFor();
    const todayBar = today.getByRole('meter', { name: 'Spent today' });
    assert.equal(await todayBar.getAttribute('value'), '4');
    assert.equal(await todayBar.getAttribute('max'), '20');
    await page.goto(`${suite.dev.url}/#/convoys/${encodeURIComponent(convoy.id)}`);
    const spend = page.getByTestId('convoy-spend');
    await spend.getByText('Spent: 4.00 usd of 10.00 usd (40 %)').waitFor();
    assert.equal(await spend.getByRole('meter', { name: 'Spent' }).getAttribute('value'), '4');
    await page.context().close();
  });
});
