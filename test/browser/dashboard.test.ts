// The dashboard in a real browser (Debian's Chromium through playwright-core) against a `wrangler dev`
// this suite starts itself. `npm run test:browser`; skipped, loudly, when no Chromium is installed.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createTownClient, type TownClient } from '../../client/index.ts';
import { CHROMIUM_MISSING, type DevServer, findChromium, OUTPUT_DIR, startDevServer } from './harness.ts';
import { newTownId, seedSmallTown } from './seed.ts';

const DEV_TOKEN = 'dev-token';
const executablePath = findChromium();
if (!executablePath) {
  if (process.env.TOWN_REQUIRE_BROWSER === '1') throw new Error(`TOWN_REQUIRE_BROWSER=1 but no Chromium was found.\n${CHROMIUM_MISSING}`);
  console.warn(CHROMIUM_MISSING);
}

describe('the dashboard in a browser', { skip: executablePath ? false : 'no Chromium (see the banner above)' }, () => {
  let dev: DevServer;
  let browser: Browser;
  let api: TownClient;

  before(async () => {
    dev = await startDevServer('dashboard');
    api = createTownClient({ url: dev.url, token: DEV_TOKEN });
    browser = await chromium.launch({ executablePath: executablePath ?? undefined, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await dev?.stop();
  });

  async function openPage(width = 1280, height = 900): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height } });
    return context.newPage();
  }

  async function signIn(page: Page, townId: string, token = DEV_TOKEN) {
    await page.goto(`${dev.url}/`);
    await page.getByLabel('Town').fill(townId);
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: `Town ${townId}` }).waitFor();
  }

  test('GET / serves the page; /health and /trpc still reach the Worker', async () => {
    const page = await (await fetch(`${dev.url}/`)).text();
    assert.match(page, /<div id="app">/);
    assert.deepEqual(await (await fetch(`${dev.url}/health`)).json(), { ok: true, service: 'town' });
    assert.equal((await fetch(`${dev.url}/trpc/rig.list?input=${encodeURIComponent('{"townId":"x"}')}`)).status, 401);
  });

  test('signing in keeps the token in sessionStorage, never in the URL; a wrong token is refused', async () => {
    const townId = newTownId('signin');
    const page = await openPage();
    await page.goto(`${dev.url}/`);
    await page.getByLabel('Town').fill(townId);
    await page.getByLabel('Token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'refused' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);

    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.getByLabel('Token').fill(DEV_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: `Town ${townId}` }).waitFor();
    const stored = await page.evaluate(() => Object.values(sessionStorage).join());
    assert.match(stored, /dev-token/);
    assert.ok(requests.length > 0);
    for (const url of [...requests, page.url()]) assert.doesNotMatch(url, /dev-token/);
    await page.context().close();
  });

  test('the town view, live: rig health, a progress bar moving and an escalation appearing without a reload, Acknowledge', async () => {
    const { townId, beads, escalation } = await seedSmallTown(api, 'view');
    const page = await openPage();
    await signIn(page, townId);

    const rigs = page.getByRole('region', { name: 'Rigs' });
    await rigs
      .getByRole('row', { name: /frontend/ })
      .getByText('healthy')
      .waitFor();
    await rigs
      .getByRole('row', { name: /backend/ })
      .getByText('healthy')
      .waitFor();

    const bar = page.getByRole('progressbar', { name: 'Ship the login page', exact: true });
    assert.equal(await bar.getAttribute('aria-valuenow'), '0');
    assert.equal(await bar.getAttribute('aria-valuemax'), '3');

    const [first] = beads;
    assert.ok(first);
    await page.getByRole('status').getByText('live', { exact: true }).waitFor();
    await page.evaluate('window.notReloaded = true');
    await api.rig.closeBead.mutate({ townId, rigId: first.rigId, beadId: first.id });
    // Pushed by the event stream: no reload, no Refresh.
    await bar.and(page.locator('[aria-valuenow="1"]')).waitFor();
    assert.equal(await page.evaluate('window.notReloaded'), true);
    await page.getByRole('region', { name: 'Recent events' }).getByText('Bead closed in frontend').waitFor();
    await page.getByRole('region', { name: 'Active convoys' }).getByText('1/2').waitFor(); // frontend's share

    const { escalation: second } = await api.escalation.raise.mutate({
      townId,
      sourceRigId: first.rigId,
      severity: 'medium',
      message: 'Flaky test',
    });
    const raised = page.getByRole('listitem').filter({ hasText: 'Flaky test' });
    await raised.getByRole('button', { name: 'Acknowledge' }).waitFor();
    assert.ok(second.id);

    const item = page.getByRole('listitem').filter({ hasText: 'CI is red on main' });
    await item.getByText('open', { exact: true }).waitFor();
    await item.getByRole('button', { name: 'Acknowledge' }).click();
    await item.getByText('acknowledged', { exact: true }).waitFor();
    assert.equal(await item.getByRole('button', { name: 'Acknowledge' }).count(), 0);
    const stored = await api.escalation.get.query({ townId, escalationId: escalation.id });
    assert.equal(stored.acknowledged, true);
    assert.equal(stored.acknowledgedBy, 'dashboard');

    // Resolve: it leaves what needs attention, and the API says resolved.
    await item.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('listitem').filter({ hasText: 'CI is red on main' }).waitFor({ state: 'detached' });
    const resolved = await api.escalation.get.query({ townId, escalationId: escalation.id });
    assert.equal(resolved.status, 'resolved');
    assert.equal(resolved.resolvedBy, 'dashboard');
    await page.context().close();
  });

  test('the work loop: outcomes in words, a failed convoy with Retry failed, a breaker with Reset, occurrences, the opening feed', async () => {
    const townId = newTownId('loop');
    const rig = await api.rig.register.mutate({ townId, name: 'worker' });
    await api.town.setSettings.mutate({ townId, breakerFailures: 1 });
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'Flaky tests',
      maxAttempts: 1,
      beads: [
        { rigId: rig.id, title: 'first' },
        { rigId: rig.id, title: 'second' },
      ],
    });
    const ref = { townId, rigId: rig.id };
    const claimed = await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-1' });
    await api.rig.closeBead.mutate({ ...ref, beadId: claimed.bead?.id ?? '', agentId: 'agent-1', outcome: 'failed', reason: 'red' });
    await api.rig.closeBead.mutate({ ...ref, beadId: convoy.beadIds[1] ?? '', ref: 'https://example.com/pr/7' });
    for (let i = 0; i < 2; i++)
      await api.escalation.raise.mutate({ townId, sourceRigId: rig.id, severity: 'low', message: 'disk filling', dedupKey: 'disk' });
    // The breaker's report reaches the town within a couple of seconds.
    for (let i = 0; i < 50 && (await api.rig.get.query(ref)).breaker.state === 'closed'; i++) await new Promise((r) => setTimeout(r, 100));

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
    assert.equal((await api.rig.get.query(ref)).breaker.state, 'closed');

    await failed.getByRole('button', { name: 'Retry failed' }).click();
    await failed.waitFor({ state: 'detached' });
    assert.equal((await api.convoy.get.query({ townId, convoyId: convoy.id })).status, 'active');

    // The convoy's bead table: outcome, attempt, holder, and the ref as a link.
    await page.goto(`${dev.url}/#/convoys/${encodeURIComponent(convoy.id)}`);
    const table = page.locator('table.beads');
    await table.getByRole('link', { name: 'https://example.com/pr/7' }).waitFor();
    await table
      .getByRole('row', { name: /second/ })
      .getByText('done', { exact: true })
      .waitFor();
    await page.context().close();
  });

  test("a rig token: its town's convoys, and no Acknowledge or Resolve", async () => {
    const { townId, frontend } = await seedSmallTown(api, 'rig-token');
    const townToken = await api.auth.issueToken.mutate({ townId, role: 'town', ttlSeconds: 600, label: 'browser test' });
    const asTown = createTownClient({ url: dev.url, token: townToken.token });
    const rigToken = await asTown.auth.issueToken.mutate({ townId, role: 'rig', rigId: frontend.id, ttlSeconds: 600, label: 'agent' });
    await asTown.escalation.raise.mutate({ townId, sourceRigId: frontend.id, severity: 'high', message: 'Agent is stuck' });
    const page = await openPage();
    await signIn(page, townId, rigToken.token);
    await page.getByRole('progressbar', { name: 'Ship the login page', exact: true }).waitFor();
    await page.getByRole('status').getByText('live', { exact: true }).waitFor();
    // The town-wide parts (and their buttons) are not offered to a rig token at all.
    assert.equal(await page.getByRole('region', { name: 'Needs attention' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Resolve' }).count(), 0);
    assert.equal(await page.getByRole('alert').count(), 0, 'the page asks for nothing a rig token may not read');
    await page.context().close();
  });

  test('/ and its assets carry the security headers (web/_headers), and the page runs under its CSP', async () => {
    for (const path of ['/', '/app.js', '/app.css', '/index.html']) {
      const res = await fetch(`${dev.url}${path}`);
      await res.arrayBuffer();
      assert.equal(res.status, 200, path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    }
    const trpc = await fetch(`${dev.url}/trpc/rig.list?input=${encodeURIComponent(JSON.stringify({ townId: 'h' }))}`);
    await trpc.arrayBuffer();
    assert.equal(trpc.headers.get('cache-control'), 'no-store');
    const { townId } = await seedSmallTown(api, 'csp');
    const page = await openPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await signIn(page, townId);
    await page.getByRole('progressbar', { name: 'Ship the login page', exact: true }).waitFor();
    assert.deepEqual(violations, []);
    await page.context().close();
  });

  test('a token revoked while the page is live: the stream ends UNAUTHORIZED and the page says signed out', async () => {
    const { townId, frontend } = await seedSmallTown(api, 'revoked');
    const rigToken = await api.auth.issueToken.mutate({ townId, role: 'rig', rigId: frontend.id, ttlSeconds: 600, label: 'agent' });
    const page = await openPage();
    await signIn(page, townId, rigToken.token);
    await page.getByRole('status').getByText('live', { exact: true }).waitFor();
    await api.auth.revokeToken.mutate({ townId, tokenId: rigToken.tokenId });
    // No read is made after the revocation: only the stream's end can sign the page out.
    await page
      .getByTestId('signed-out')
      .getByText(/Signed out/)
      .waitFor();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the token is forgotten');
    await page.context().close();
  });

  test('works by keyboard: sign in, open a convoy, acknowledge', async () => {
    const { townId } = await seedSmallTown(api, 'keys');
    const page = await openPage();
    await page.goto(`${dev.url}/`);
    await page.keyboard.press('Tab');
    await page.keyboard.type(townId);
    await page.keyboard.press('Tab');
    await page.keyboard.type(DEV_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Town ${townId}` }).waitFor();

    await page.getByRole('button', { name: 'Acknowledge' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('listitem').filter({ hasText: 'CI is red on main' }).getByText('acknowledged', { exact: true }).waitFor();

    await page.getByRole('link', { name: 'Ship the login page' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Ship the login page' }).waitFor();
    await page
      .getByRole('region', { name: 'Beads' })
      .getByRole('row', { name: /session endpoint/ })
      .waitFor();
    await page.context().close();
  });

  test('a convoy page: its closes over time, figures and history, from convoy.timeline', async () => {
    const { townId, beads } = await seedSmallTown(api, 'convoy');
    for (const bead of beads.slice(0, 2)) await api.rig.closeBead.mutate({ townId, rigId: bead.rigId, beadId: bead.id });
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

  test('a dropped stream (the dev server restarts) shows "reconnecting", then resumes with lastEventId and catches up', async () => {
    const { townId, beads } = await seedSmallTown(api, 'resume');
    const [first, second, third] = beads;
    assert.ok(first && second && third);
    const page = await openPage();
    await signIn(page, townId);
    const status = page.getByRole('status');
    await status.getByText('live', { exact: true }).waitFor();
    await page.evaluate('window.notReloaded = true');
    const bar = page.getByRole('progressbar', { name: 'Ship the login page', exact: true });
    await api.rig.closeBead.mutate({ townId, rigId: first.rigId, beadId: first.id });
    await bar.and(page.locator('[aria-valuenow="1"]')).waitFor();

    // Hold the page's reconnects back while things happen that it can only learn by resuming.
    const blocked = /\/trpc\/event\.subscribe/;
    await page.route(blocked, (route) => route.abort());
    await dev.restart();
    await status.getByText('reconnecting', { exact: false }).waitFor();
    await api.rig.closeBead.mutate({ townId, rigId: second.rigId, beadId: second.id });
    await api.escalation.raise.mutate({
      townId,
      sourceRigId: third.rigId,
      severity: 'critical',
      message: 'Raised while the page was away',
    });
    assert.equal(await bar.getAttribute('aria-valuenow'), '1');

    const resumes: { url: string; lastEventId: string | undefined }[] = [];
    page.on('request', (request) => {
      if (blocked.test(request.url())) resumes.push({ url: request.url(), lastEventId: request.headers()['last-event-id'] });
    });
    await page.unroute(blocked);
    await bar.and(page.locator('[aria-valuenow="2"]')).waitFor();
    await page.getByRole('listitem').filter({ hasText: 'Raised while the page was away' }).waitFor();
    await status.getByText('live', { exact: true }).waitFor();
    assert.equal(await page.evaluate('window.notReloaded'), true);
    // It resumed from the last event it had (in the input or the Last-Event-ID header), not from scratch.
    assert.ok(resumes.length > 0);
    assert.ok(
      resumes.some((r) => /lastEventId/.test(decodeURIComponent(r.url)) || r.lastEventId),
      JSON.stringify(resumes),
    );
    await page.context().close();
  });

  test('a convoy page pages its beads from convoy.beads', async () => {
    const townId = newTownId('pages');
    const rig = await api.rig.register.mutate({ townId, name: 'big' });
    const titles = Array.from({ length: 60 }, (_, i) => `bead ${String(i + 1).padStart(2, '0')}`);
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'Sixty beads',
      beads: titles.map((title) => ({ rigId: rig.id, title })),
    });
    const page = await openPage();
    await signIn(page, townId);
    await page.goto(`${dev.url}/#/convoys/${convoy.id}`);
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

  test('usable at 1280 px and 390 px wide (screenshots under test-results/browser/)', async () => {
    const { townId, beads } = await seedSmallTown(api, 'layout');
    mkdirSync(OUTPUT_DIR, { recursive: true });
    for (const width of [1280, 390]) {
      const page = await openPage(width, width === 390 ? 844 : 900);
      await signIn(page, townId);
      await page.getByRole('progressbar', { name: 'Ship the login page', exact: true }).waitFor();
      await page.getByRole('region', { name: 'Rigs' }).getByText('healthy').first().waitFor();
      // Something in the feed for the picture: one more close, arriving through the stream.
      await page.getByRole('status').getByText('live', { exact: true }).waitFor();
      const bead = beads[width === 390 ? 1 : 0];
      assert.ok(bead);
      await api.rig.closeBead.mutate({ townId, rigId: bead.rigId, beadId: bead.id });
      // The feed opened with the earlier events (the first width's close among them): wait for this one.
      await page
        .getByRole('region', { name: 'Recent events' })
        .getByText(`Bead closed in frontend: “Ship the login page” ${width === 390 ? 2 : 1}/3`)
        .waitFor();
      // Nothing wider than the window: no sideways scrolling on a phone.
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than ${width}px`);
      await page.screenshot({ path: join(OUTPUT_DIR, `dashboard-${width}.png`), fullPage: true });
      await page.context().close();
    }
  });
});
