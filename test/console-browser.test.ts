import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/process.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/server.js';
import { sqliteKind } from './support/stores.js';

const SHOTS = join(ROOT, 'test-output', 'screenshots');
const LAPTOP = { width: 1280, height: 860 };
const PHONE = { width: 375, height: 740 };

/**
 * The console in a real headless Chromium (Debian's /usr/bin/chromium; `.ci/run` installs
 * it): everything a person does, by label and keyboard, with the CSP in force.
 */
describe('web console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let evil: Server;
  let evilUrl: string;
  /** Page errors and console errors (a CSP violation would show here). */
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync('/usr/bin/chromium')) {
      throw new Error('Chromium is missing: apt-get install chromium (.ci/run installs it when missing)');
    }
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer(await sqliteKind.open());
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    // Another site on the same host (same-site, other origin) that tries to make the console act.
    evil = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html><form id="f" method="post" action="${server.url}/console/apps">
<input name="name" value="Evil app"><input name="_csrf" value="guessed"></form>
<script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilUrl = `http://127.0.0.1:${(evil.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => evil?.close(resolve));
    await server?.close();
  });

  async function newPage(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // Error pages (4xx) are expected here; anything else, such as a CSP violation, is not.
      if (
        message.type() === 'error' &&
        !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())
      )
        problems.push(`console: ${message.text()}`);
    });
    return page;
  }

  /** Visible form controls without an accessible name (label, aria-label or text). */
  const unlabelled = (page: Page) =>
    page.evaluate<
      string[]
    >(`[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
      .map((el) => el.outerHTML)`);

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${server.url}/console`);
    await expect(page.title()).resolves.toBe('Sign in · attrd console');
    // The token field has focus: type and press Enter, no mouse needed.
    await page.keyboard.type(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/console/apps`);
  }

  it('walks through apps, attributes, token lookup, secret rotation, CSRF and sign-out', async () => {
    const page = await newPage(LAPTOP);
    await page.goto(`${server.url}/console/apps`);
    expect(page.url()).toBe(`${server.url}/console/sign-in`);
    await shot(page, '01-sign-in');
    await page.getByLabel('Admin token').fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('That is not the admin token').isVisible()).resolves.toBe(true);
    await signIn(page);
    await expect(page.getByText('No apps yet').isVisible()).resolves.toBe(true);
    await shot(page, '02-apps-empty');

    // Create an app: its AccessID and SecretKey are shown once, with copy buttons.
    await page.getByLabel('App name').fill('My game');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL(/\/console\/apps\/\d+$/);
    const accessId = Number(await page.locator('#new-access-id').textContent());
    const secretKey = (await page.locator('#new-secret-key').textContent())!;
    expect(secretKey).toMatch(/^[0-9a-f]{32}$/);
    await page.getByRole('button', { name: 'Copy SecretKey' }).click();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(secretKey);
    await shot(page, '03-app-created');

    // Add three attributes, and see a validation error next to the name field.
    for (const [name, description] of [
      ['level', 'Player level'],
      ['nickname', 'Shown in pushes'],
      ['vip', 'Paying player'],
    ]) {
      await page.getByLabel('Name', { exact: true }).fill(name!);
      await page.getByLabel('Description (optional)').fill(description!);
      await page.getByRole('button', { name: 'Add attribute' }).click();
      await expect(page.getByText(`Attribute ${name} added.`).isVisible()).resolves.toBe(true);
    }
    await page.getByLabel('Name', { exact: true }).fill('x'.repeat(51));
    await page.getByRole('button', { name: 'Add attribute' }).click();
    await expect(page.locator('#attribute-name-error').textContent()).resolves.toBe(
      'Attribute name is 51 bytes of UTF-8; the limit is 50 bytes. Choose another name.',
    );
    await page.getByLabel('Name', { exact: true }).fill('level');
    await page.getByRole('button', { name: 'Add attribute' }).click();
    await expect(page.locator('#attribute-name-error').textContent()).resolves.toContain(
      'already has an attribute named level',
    );

    // Devices set values through the TPNS API; the console shows exact counts.
    const app = { accessId, secretKey };
    for (let i = 0; i < 3; i++) {
      const map =
        i === 0 ? { level: '3', nickname: 'Mia', vip: 'yes' } : { level: String(i + 10), nickname: `N${i}` };
      expect(
        (await server.device(app, { cmd: 1, token: `device-${i}`, attributeInfo: { attributeMap: map } }))
          .body,
      ).toMatchObject({ retCode: 0 });
    }
    await page.goto(`${server.url}/console/apps/${accessId}`);
    const counts = async () =>
      Object.fromEntries(
        await page
          .locator('#attributes-table tbody tr')
          .evaluateAll((rows) =>
            rows.map((row) => [
              row.querySelector('td.name')!.textContent!.trim(),
              Number(row.querySelector('td.num')!.textContent),
            ]),
          ),
      );
    expect(await counts()).toEqual({ level: 3, nickname: 3, vip: 1 });
    const names = () => page.locator('#attributes-table td.name').allTextContents();
    await page.getByRole('link', { name: /^Devices/ }).click();
    expect(await names()).toEqual(['vip', 'level', 'nickname']);
    await page.getByRole('link', { name: /^Devices/ }).click();
    expect(await names()).toEqual(['level', 'nickname', 'vip']);
    await page.getByLabel('Filter by name or description').fill('pay');
    await expect(page.locator('#attributes-table tbody tr:visible').count()).resolves.toBe(1);
    await expect(page.locator('#attributes-table-status').textContent()).resolves.toBe('1 matching');
    await page.getByLabel('Filter by name or description').fill('');
    await page.getByLabel('Filter by name or description').blur();
    await page.locator('#attributes').screenshot({ path: join(SHOTS, 'attributes-section.png') });
    await shot(page, '04-attributes');
    expect(await unlabelled(page)).toEqual([]);

    // Edit a description.
    await page.getByRole('link', { name: 'Edit description of nickname' }).click();
    await shot(page, '05-edit-description');
    await page.getByLabel('Description').fill('Shown in push titles');
    await page.getByRole('button', { name: 'Save description' }).click();
    await expect(page.getByText('Description of nickname saved.').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('cell', { name: 'Shown in push titles' }).isVisible()).resolves.toBe(true);

    // Delete an attribute: the confirmation says how many devices lose the value.
    await page.getByRole('link', { name: 'Delete vip' }).click();
    await expect(page.locator('#delete-consequence').textContent()).resolves.toContain(
      '1 device will lose its value.',
    );
    await shot(page, '06-delete-attribute');
    await page.getByRole('button', { name: 'Delete attribute' }).click();
    await expect(page.getByText('Attribute vip deleted; 1 device lost its value.').isVisible()).resolves.toBe(
      true,
    );
    expect(await counts()).toEqual({ level: 3, nickname: 3 });

    // Look up a token and edit it.
    await page.getByLabel('Push token').fill('device-0');
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect(page.getByLabel('Value of level').inputValue()).resolves.toBe('3');
    await shot(page, '07-token');
    expect(await unlabelled(page)).toEqual([]);
    await page.getByLabel('Value of level').fill('42');
    await page.getByLabel('Value of level').press('Enter');
    await expect(page.getByText('level set to 42.').isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Delete nickname from this token' }).click();
    await expect(page.getByText('nickname deleted from this token.').isVisible()).resolves.toBe(true);
    const read = await server.device(app, { cmd: 5, token: 'device-0' });
    expect(read.body.attributeInfo.attributeMap).toEqual({ level: '42' });
    await page.getByRole('link', { name: 'Clear all attributes…' }).click();
    await page.getByRole('button', { name: 'Clear all' }).click();
    await expect(page.getByText('This token holds no attributes.').isVisible()).resolves.toBe(true);

    // Rotate the secret: the old one stops working, the new one is shown once.
    await page.goto(`${server.url}/console/apps/${accessId}`);
    await page.getByText('Show SecretKey').click();
    await expect(page.locator('#secret-key').textContent()).resolves.toBe(secretKey);
    await page.getByRole('link', { name: 'Rotate SecretKey…' }).click();
    await shot(page, '08-rotate-secret');
    await page.getByRole('button', { name: 'Rotate SecretKey' }).click();
    const rotated = (await page.locator('#new-secret-key').textContent())!;
    expect(rotated).not.toBe(secretKey);
    expect((await server.device(app, { cmd: 5, token: 'device-1' })).body.retCode).toBe(1008003);
    expect(
      (await server.device({ accessId, secretKey: rotated }, { cmd: 5, token: 'device-1' })).body.retCode,
    ).toBe(0);

    // A CSRF attempt from another origin on the same host: refused, nothing created.
    const attack = await page.context().newPage();
    await attack.goto(evilUrl);
    await attack.waitForURL(`${server.url}/console/apps`);
    await expect(attack.getByRole('heading', { name: 'Request refused' }).isVisible()).resolves.toBe(true);
    await shot(attack, '09-csrf-refused');
    await attack.close();
    // And a tampered token in the console's own form.
    await page.goto(`${server.url}/console/apps`);
    await page.locator('form[action="/console/apps"] input[name="_csrf"]').evaluate((input) => {
      input.setAttribute('value', 'tampered');
    });
    await page.getByLabel('App name').fill('Tampered app');
    await page.getByRole('button', { name: 'Create app' }).click();
    await expect(page.getByRole('heading', { name: 'Request refused' }).isVisible()).resolves.toBe(true);
    expect((await server.store.listApps()).map((a) => a.name)).toEqual(['My game']);

    // Delete an app by typing its name.
    await page.goto(`${server.url}/console/apps`);
    await page.getByLabel('App name').fill('Throwaway');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('link', { name: 'Delete app…' }).click();
    await page.getByLabel(/Type the app name/).fill('throwaway');
    await page.getByRole('button', { name: 'Delete app' }).click();
    await expect(page.locator('#confirm-name-error').isVisible()).resolves.toBe(true);
    await page.getByLabel(/Type the app name/).fill('Throwaway');
    await page.getByRole('button', { name: 'Delete app' }).click();
    await expect(page.getByText('App Throwaway deleted.').isVisible()).resolves.toBe(true);
    await shot(page, '10-apps');

    // Sign out: the console is closed again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByText('You are signed out.').isVisible()).resolves.toBe(true);
    await page.goto(`${server.url}/console/apps`);
    expect(page.url()).toBe(`${server.url}/console/sign-in`);

    const actions = (await server.store.listAudit(50)).map((e) => e.action);
    expect(actions).toContain('app.secret_rotated');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('fits a phone-width window', async () => {
    const page = await newPage(PHONE);
    await signIn(page);
    const [app] = await server.store.listApps();
    for (const path of ['/console/apps', `/console/apps/${app!.accessId}`]) {
      await page.goto(`${server.url}${path}`);
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    // Table rows become labelled cards; every control is still reachable.
    const head = await page.locator('#attributes-table thead').boundingBox();
    expect(head!.x + head!.width).toBeLessThanOrEqual(0);
    await expect(page.getByRole('button', { name: 'Add attribute' }).isVisible()).resolves.toBe(true);
    await shot(page, '11-phone-app');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
