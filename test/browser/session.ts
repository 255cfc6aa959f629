// What each dashboard test file shares: the Chromium check (with its loud skip banner), a dev server
// and a browser of the file's own, and signing a page in. Call `dashboardSession` inside `describe`.
import { after, before } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createTownClient, type TownClient } from '../../client/index.ts';
import { CHROMIUM_MISSING, type DevServer, findChromium, startDevServer } from './harness.ts';

/** `wrangler dev --env dev`'s admin token. */
export const DEV_TOKEN = 'dev-token';

export const executablePath = findChromium();
if (!executablePath) {
  if (process.env.TOWN_REQUIRE_BROWSER === '1') throw new Error(`TOWN_REQUIRE_BROWSER=1 but no Chromium was found.\n${CHROMIUM_MISSING}`);
  console.warn(CHROMIUM_MISSING);
}
/** `describe`'s `skip`: false with a Chromium, else the reason (the banner above says more). */
export const skipWithoutChromium: false | string = executablePath ? false : 'no Chromium (see the banner above)';

export interface DashboardSession {
  /** Set by the `before` hook this registers. */
  readonly dev: DevServer;
  readonly browser: Browser;
  /** The API as the dev admin token. */
  readonly api: TownClient;
  /** A fresh browser context's page (its own sessionStorage). */
  openPage(width?: number, height?: number): Promise<Page>;
  /** Signs `page` in to `townId` through the form and waits for the town's heading. */
  signIn(page: Page, townId: string, token?: string): Promise<void>;
}

/** Registers `before` / `after` hooks that start and stop a dev server (logged as `<name>-wrangler-dev.log`) and a browser. */
export function dashboardSession(name: string): DashboardSession {
  let dev: DevServer | undefined;
  let browser: Browser | undefined;
  let api: TownClient | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('dashboardSession: used before its before() hook ran');
    return value;
  };
  before(async () => {
    dev = await startDevServer(name);
    api = createTownClient({ url: dev.url, token: DEV_TOKEN });
    browser = await chromium.launch({ executablePath: executablePath ?? undefined, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await dev?.stop();
  });
  return {
    get dev() {
      return started(dev);
    },
    get browser() {
      return started(browser);
    },
    get api() {
      return started(api);
    },
    async openPage(width = 1280, height = 900) {
      const context = await started(browser).newContext({ viewport: { width, height } });
      return context.newPage();
    },
    async signIn(page, townId, token = DEV_TOKEN) {
      await page.goto(`${started(dev).url}/`);
      await page.getByLabel('Town').fill(townId);
      await page.getByLabel('Token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: `Town ${townId}` }).waitFor();
    },
  };
}
