// A convoy's page in a real browser: its closes over time, figures and history (convoy.timeline), its
// beads paged (convoy.beads), and its due date with the forecast and its watchers (issue 28).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { OUTPUT_DIR } from './harness.ts';
import { newTownId, seedSmallTown } from './seed.ts';
import { dashboardSession, skipWithoutChromium } from './session.ts';

describe("a convoy's page", { skip: skipWithoutChromium }, () => {
  const suite = dashboardSession('convoy-page');
  const { openPage, signIn } = suite;

  test('a convoy page: its closes over time, figures and history, from convoy.timeline', async () => {
    const { townId, beads } = await seedSmallTown(suite.api, 'convoy');
    for (const bead of beads.slice(0, 2)) await suite.api.rig.closeBead.mutate({ townId, rigId: bead.rigId, beadId: bead.id });
    const page = await openPage();
    await signIn(page, townId);
    await page.getByRole('link', { name: 'Ship the login page' }).click();
    await page.getByRole('heading', { name: 'Ship the login page' }).waitFor();
    const chart = page.getByRole('img', { name: /^Closes over time: 2 of 3 beads closed/ });
    await chart.waitFor();
    assert.equal(await chart.locator('path.line').getAttribute('data-points'), '2');
    await page
      .getByTestId('timeline-figures')
      .getByText(/Time to land — · from creation to a close: p50 .+\(2 closes/)
      .waitFor();
    const history = page.getByRole('region', { name: 'History' });
    await history.getByText('Bead closed in frontend: “Ship the login page” 2/3').waitFor();
    await history.getByText('Convoy “Ship the login page” created with 3 beads').waitFor();
    const bar = page.getByRole('progressbar', { name: 'Ship the login page', exact: true });
    assert.equal(await bar.getAttribute('aria-valuenow'), '2');
    await page.screenshot({ path: join(OUTPUT_DIR, 'convoy-1280.png'), fullPage: true });
    await page.context().close();
  });

  test('a convoy page pages its beads from convoy.beads', async () => {
    const townId = newTownId('pages');
    const rig = await suite.api.rig.register.mutate({ townId, name: 'big' });
    const titles = Array.from({ length: 60 }, (_, i) => `bead ${String(i + 1).padStart(2, '0')}`);
    const convoy = await suite.api.convoy.create.mutate({
      townId,
      title: 'Sixty beads',
      beads: titles.map((title) => ({ rigId: rig.id, title })),
    });
    const page = await openPage();
    await signIn(page, townId);
    await page.goto(`${suite.dev.url}/#/convoys/${convoy.id}`);
    const beads = page.getByRole('region', { name: 'Beads' });
    await beads.getByRole('row', { name: /bead 01/ }).waitFor();
    assert.equal(await beads.locator('tbody tr').count(), 50);
    assert.equal(await beads.getByRole('button', { name: 'Previous page' }).isDisabled(), true);
    await beads.getByRole('button', { name: 'Next page' }).click();
    await beads.getByRole('row', { name: /bead 51/ }).waitFor();
    assert.equal(await beads.locator('tbody tr').count(), 10);
    assert.equal(await beads.getByRole('button', { name: 'Next page' }).isDisabled(), true);
    await beads.getByRole('button', { name: 'Previous page' }).click();
    await beads.getByRole('row', { name: /bead 01/ }).waitFor();
    await page.context().close();
  });

  test('the due date, the forecast (expected landing and health in words) and the watchers count, from convoy.get', async () => {
    const townId = newTownId('due');
    const rig = await suite.api.rig.register.mutate({ townId, name: 'planner' });
    const dueAt = new Date(Date.now() + 7 * 24 * 3_600_000).toISOString();
    const convoy = await suite.api.convoy.create.mutate({
      townId,
      title: 'Due next week',
      dueAt,
      watchers: [{ webhookUrl: 'https://example.com/hooks/a' }, { webhookUrl: 'https://example.com/hooks/b' }],
      beads: Array.from({ length: 6 }, (_, i) => ({ rigId: rig.id, title: `step ${i + 1}` })),
    });
    const page = await openPage();
    await signIn(page, townId);
    await page.goto(`${suite.dev.url}/#/convoys/${encodeURIComponent(convoy.id)}`);
    const due = page.getByTestId('convoy-due');
    await due.getByTestId('forecast-health').getByText('no estimate yet').waitFor();
    assert.equal(
      await due.locator('time').first().getAttribute('datetime'),
      (await suite.api.convoy.get.query({ townId, convoyId: convoy.id })).dueAt,
    );
    await due.getByTestId('convoy-watchers').getByText('2 watchers').waitFor();

    // Five of six closed at once: the rate says it lands well before next week.
    for (const beadId of convoy.beadIds.slice(0, 5)) await suite.api.rig.closeBead.mutate({ townId, rigId: rig.id, beadId });
    await due.getByTestId('forecast-health').getByText('on track').waitFor();
    const current = await suite.api.convoy.get.query({ townId, convoyId: convoy.id });
    assert.equal(current.forecast.health, 'on_track');
    await due.getByText('expected to land').waitFor();
    await page.context().close();
  });
});
