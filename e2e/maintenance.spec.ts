import { expect, test } from '@playwright/test';
import { openConsole, startE2EConsole, type E2EConsole } from './console';

let c: E2EConsole;
test.beforeAll(async () => {
  c = await startE2EConsole();
});
test.afterAll(async () => {
  await c?.stop();
});

test('running the daily checklist gives every item a result, and a manual item is confirmed with a note', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = await openConsole(page, c);
  await page.getByTestId('nav-maintenance').click();
  const daily = page.getByTestId('checklist-daily');
  const items = daily.locator('li.check-item');
  await expect(items).toHaveCount(5);
  await expect(items.first()).toHaveAttribute('data-result', 'none');

  await daily.getByTestId('run-daily').click();
  for (const item of await items.all()) {
    await expect(item).toHaveAttribute('data-result', /^(ok|warn|fail)$/, { timeout: 180_000 });
    await expect(item.getByTestId('item-result')).toHaveText(/^(ok|warn|fail)$/);
    await expect(item.getByTestId('item-summary')).not.toBeEmpty();
  }
  await expect(page.getByTestId('maintenance-history').locator('tr')).toHaveCount(5);

  const manual = page.getByTestId('item-security_updates');
  await manual.getByRole('textbox').fill('apt list --upgradable: nothing pending');
  await manual.getByRole('button', { name: 'Confirm' }).click();
  await expect(manual).toHaveAttribute('data-result', 'ok');
  await expect(manual).toContainText('apt list --upgradable: nothing pending');
  await page.screenshot({ path: 'test-results/e2e/screens/flow-maintenance.png', fullPage: true });

  const api = (await (await fetch(`${c.url}/api/v1/maintenance/history`)).json()) as { runs: { item_id: string }[] };
  expect(api.runs.map((r) => r.item_id).sort()).toEqual(['alert_status', 'backup_status', 'error_logs', 'resource_usage', 'security_updates', 'service_status']);
  expect(errors).toEqual([]);
});
