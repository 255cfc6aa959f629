// The dashboard in a real browser (Debian's Chromium through playwright-core) against a `wrangler dev`
// this suite starts itself. `npm run test:browser`; skipped, loudly, when no Chromium is installed.
// The work loop's parts of the page are in work-loop.test.ts, the big town's budget in big-town.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createTownClient } from '../../client/index.ts';
import { OUTPUT_DIR } from './harness.ts';
import { newTownId, seedSmallTown } from './seed.ts';
import { DEV_TOKEN, dashboardSession, skipWithoutChromium } from './session.ts';

describe('the dashboard in a browser', { skip: skipWithoutChromium }, () => {
  const suite = dashboardSession('dashboard');
  const { openPage, signIn } = suite;

  test('GET / serves the page; /health and /trpc still reach the Worker', async () => {
    const page = await (await fetch(`${suite.dev.url}/`)).text();
    assert.match(page, /<div id="app">/);
    assert.deepEqual(await (await fetch(`${suite.dev.url}/health`)).json(), { ok: true, service: 'town' });
    assert.equal((await fetch(`${suite.dev.url}/trpc/rig.list?input=${encodeURIComponent('{"townId":"x"}')}`)).status, 401);
  });

  test('signing in keeps the token in sessionStorage, never in the URL; a wrong token is refused', async () => {
    const townId = newTownId('signin');
    const page = await openPage();
    await page.goto(`${suite.dev.url}/`);
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
    const { townId, beads, escalation } = await seedSmallTown(suite.api, 'view');
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
    await suite.api.rig.closeBead.mutate({ townId, rigId: first.rigId, beadId: first.id });
    // Pushed by the event stream: no reload, no Refresh.
    await bar.and(page.locator('[aria-valuenow="1"]')).waitFor();
    assert.equal(await page.evaluate('window.notReloaded'), true);
    await page.getByRole('region', { name: 'Recent events' }).getByText('Bead closed in frontend').waitFor();
    await page.getByRole('region', { name: 'Active convoys' }).getByText('1/2').waitFor(); // frontend's share

    const { escalation: second } = await suite.api.escalation.raise.mutate({
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
    const stored = await suite.api.escalation.get.query({ townId, escalationId: escalation.id });
    assert.equal(stored.acknowledged, true);
    assert.equal(stored.acknowledgedBy, 'dashboard');

    // Resolve: it leaves what needs attention, and the API says resolved.
    await item.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('listitem').filter({ hasText: 'CI is red on main' }).waitFor({ state: 'detached' });
    const resolved = await suite.api.escalation.get.query({ townId, escalationId: escalation.id });
    assert.equal(resolved.status, 'resolved');
    assert.equal(resolved.resolvedBy, 'dashboard');
    await page.context().close();
  });

  test("a rig token: its town's convoys, and no Acknowledge or Resolve", async () => {
    const { townId, frontend } = await seedSmallTown(suite.api, 'rig-token');
    const townToken = await suite.api.auth.issueToken.mutate({ townId, role: 'town', ttlSeconds: 600, label: 'browser test' });
    const asTown = createTownClient({ url: suite.dev.url, token: townToken.token });
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
      const res = await fetch(`${suite.dev.url}${path}`);
      await res.arrayBuffer();
      assert.equal(res.status, 200, path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    }
    const trpc = await fetch(`${suite.dev.url}/trpc/rig.list?input=${encodeURIComponent(JSON.stringify({ townId: 'h' }))}`);
    await trpc.arrayBuffer();
    assert.equal(trpc.headers.get('cache-control'), 'no-store');
    const { townId } = await seedSmallTown(suite.api, 'csp');
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
    const { townId, frontend } = await seedSmallTown(suite.api, 'revoked');
    const rigToken = await suite.api.auth.issueToken.mutate({ townId, role: 'rig', rigId: frontend.id, ttlSeconds: 600, label: 'agent' });
    const page = await openPage();
    await signIn(page, townId, rigToken.token);
    await page.getByRole('status').getByText('live', { exact: true }).waitFor();
    await suite.api.auth.revokeToken.mutate({ townId, tokenId: rigToken.tokenId });
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
    const { townId } = await seedSmallTown(suite.api, 'keys');
    const page = await openPage();
    await page.goto(`${suite.dev.url}/`);
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

  test('a dropped stream (the dev server restarts) shows "reconnecting", then resumes with lastEventId and catches up', async () => {
    const { townId, beads } = await seedSmallTown(suite.api, 'resume');
    const [first, second, third] = beads;
    assert.ok(first && second && third);
    const page = await openPage();
    await signIn(page, townId);
    const status = page.getByRole('status');
    await status.getByText('live', { exact: true }).waitFor();
    await page.evaluate('window.notReloaded = true');
    const bar = page.getByRole('progressbar', { name: 'Ship the login page', exact: true });
    await suite.api.rig.closeBead.mutate({ townId, rigId: first.rigId, beadId: first.id });
    await bar.and(page.locator('[aria-valuenow="1"]')).waitFor();

    // Hold the page's reconnects back while things happen that it can only learn by resuming.
    const blocked = /\/trpc\/event\.subscribe/;
    await page.route(blocked, (route) => route.abort());
    await suite.dev.restart();
    await status.getByText('reconnecting', { exact: false }).waitFor();
    await suite.api.rig.closeBead.mutate({ townId, rigId: second.rigId, beadId: second.id });
    await suite.api.escalation.raise.mutate({
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

  test('usable at 1280 px and 390 px wide (screenshots under test-results/browser/)', async () => {
    const { townId, beads } = await seedSmallTown(suite.api, 'layout');
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
      await suite.api.rig.closeBead.mutate({ townId, rigId: bead.rigId, beadId: bead.id });
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
