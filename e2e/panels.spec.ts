/// <reference lib="dom" />
// Page functions below run in the browser.
import { expect, test, type Page } from '@playwright/test';
import { startE2EConsole, type E2EConsole } from './console';

let c: E2EConsole;
test.beforeAll(async () => {
  c = await startE2EConsole();
});
test.afterAll(async () => {
  await c?.stop();
});

const pages = ['dashboard', 'jobs', 'transcripts', 'alerts', 'maintenance', 'emergency', 'models', 'settings'] as const;
const sizes = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

for (const scheme of ['light', 'dark'] as const) {
  for (const size of sizes) {
    test(`every page renders without console errors (${scheme}, ${size.width}×${size.height})`, async ({ page }) => {
      const errors = collectErrors(page);
      await page.setViewportSize(size);
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${c.url}/#token=${c.token}`);
      await expect(page.getByTestId('badge-redis')).toHaveAttribute('data-state', 'up');
      for (const p of pages) {
        await page.getByTestId(`nav-${p}`).click();
        await expect(page.getByTestId(`page-${p}`)).toBeVisible();
        await expect(page.getByTestId(`nav-${p}`)).toHaveAttribute('aria-current', 'page');
        // Let the first fetches land so the shot shows data, not "Loading…".
        await expect(page.locator('[data-state="loading"]')).toHaveCount(0);
        await page.screenshot({ path: `test-results/e2e/screens/${p}-${scheme}-${size.width}x${size.height}.png`, fullPage: p !== 'dashboard' });
      }
      expect(errors).toEqual([]);
    });
  }
}

test('the rail and every page are reachable by keyboard with a visible focus ring', async ({ page }) => {
  await page.goto(`${c.url}/#token=${c.token}`);
  await expect(page.getByTestId('page-dashboard')).toBeVisible();
  const rail = page.getByTestId('nav-jobs');
  await rail.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('page-jobs')).toBeVisible();
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  expect(outline).not.toBe('none');
});

test('the dashboard and the checklists read in Simplified Chinese, config-provided titles included', async ({ page }) => {
  await page.goto(`${c.url}/#token=${c.token}`);
  await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('zh');
  await expect(page.getByTestId('nav-dashboard')).toHaveText('仪表盘');
  await expect(page.getByTestId('panel-kpi')).toContainText('成功率');
  await page.screenshot({ path: 'test-results/e2e/screens/dashboard-zh-light-1280x800.png' });
  await page.getByTestId('nav-maintenance').click();
  await expect(page.getByTestId('checklist-daily')).toContainText('检查服务状态');
  await page.getByTestId('nav-emergency').click();
  await expect(page.getByTestId('action-release_gpu_lock')).toHaveText('释放 GPU 锁');
  await page.screenshot({ path: 'test-results/e2e/screens/emergency-zh-light-1280x800.png', fullPage: true });
});
