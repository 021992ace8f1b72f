import { expect, test } from '@playwright/test';
import { startE2EConsole, type E2EConsole } from './console';

let c: E2EConsole;
test.beforeAll(async () => {
  c = await startE2EConsole();
});
test.afterAll(async () => {
  await c?.stop();
});

test('the console loads and its header follows Redis going down and coming back', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  let redisDown = false;
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // While Redis is deliberately down, routes that need it answer 503 (the browser logs those); a 500 is still a bug.
    if (redisDown && /status of 503/.test(m.text())) return;
    errors.push(m.text());
  });
  await page.goto(`${c.url}/#token=${c.token}`);
  await expect(page.getByRole('heading', { name: 'WhisperX Console' })).toBeVisible();
  const redis = page.getByTestId('badge-redis');
  await expect(redis).toHaveAttribute('data-state', 'up');
  await expect(page.getByTestId('badge-api')).toHaveAttribute('data-state', 'up');
  await expect(page.getByTestId('profile')).toContainText('cpu');
  await page.screenshot({ path: 'test-results/e2e/header-healthy.png' });

  redisDown = true;
  await c.redis.stop();
  await expect(redis).toHaveAttribute('data-state', 'down');
  await expect(page.getByTestId('overall')).toHaveText('unhealthy');
  await page.screenshot({ path: 'test-results/e2e/header-redis-down.png' });

  await c.redis.start();
  await expect(redis).toHaveAttribute('data-state', 'up');
  redisDown = false;
  expect(errors).toEqual([]);
});

test('a browser session without the token is told how to authenticate, and a pasted token is checked', async ({ page }) => {
  await page.goto(c.url);
  const banner = page.getByTestId('banner-token');
  await expect(banner).toContainText('whisperx-console token');
  await banner.getByRole('textbox').fill('wrong-token');
  await banner.getByRole('button').click();
  await expect(banner).toContainText('not accepted');
  await banner.getByRole('textbox').fill(c.token);
  await banner.getByRole('button').click();
  await expect(banner).toBeHidden();
});

test('the UI switches to Simplified Chinese', async ({ page }) => {
  await page.goto(`${c.url}/#token=${c.token}`);
  await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('zh');
  await expect(page.getByRole('heading', { name: 'WhisperX 控制台' })).toBeVisible();
  await expect(page.getByTestId('badge-redis')).toContainText('正常');
});

test('when the server goes away the UI says so, and it reconnects by itself when it is back', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${c.url}/#token=${c.token}`);
  await expect(page.getByTestId('badge-api')).toHaveAttribute('data-state', 'up');
  await expect(page.getByTestId('banner-unreachable')).toBeHidden();

  await c.stopServer();
  await expect(page.getByTestId('banner-unreachable')).toBeVisible();
  await expect(page.getByTestId('badge-api')).toHaveAttribute('data-state', '?');
  await page.screenshot({ path: 'test-results/e2e/header-server-unreachable.png' });

  await c.startServer();
  await expect(page.getByTestId('banner-unreachable')).toBeHidden({ timeout: 30_000 });
  await expect(page.getByTestId('badge-api')).toHaveAttribute('data-state', 'up');
  // Without a reload: the same page, still authenticated, its panels refreshed.
  await expect(page.getByTestId('banner-token')).toBeHidden();
  expect(errors).toEqual([]);
});

test('the header switches the hardware profile, and the API agrees', async ({ page, request }) => {
  await page.goto(`${c.url}/#token=${c.token}`);
  const select = page.getByTestId('profile').getByRole('combobox');
  await expect(select).toHaveValue('cpu');
  await select.selectOption('memory_limited');
  await expect.poll(async () => ((await (await request.get(`${c.url}/api/v1/model/info`)).json()) as { active_profile: string }).active_profile).toBe('memory_limited');
  await expect(select).toHaveValue('memory_limited');
  await select.selectOption('cpu');
  await expect.poll(async () => ((await (await request.get(`${c.url}/api/v1/model/info`)).json()) as { active_profile: string }).active_profile).toBe('cpu');
});
