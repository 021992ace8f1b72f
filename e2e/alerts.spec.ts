import { expect, test } from '@playwright/test';
import { openConsole, startE2EConsole, type E2EConsole } from './console';

/** One rule whose threshold every machine crosses: memory in use above 0.01 %. */
const tinyRule = {
  id: 'memory_tiny_threshold',
  severity: 'high',
  title: { en: 'Memory above a tiny test threshold', zh: '内存超过测试阈值' },
  message: { en: 'memory at {value} (limit {threshold})', zh: '内存占用 {value}（上限 {threshold}）' },
  condition: { kind: 'threshold', metric: 'system_memory_utilization_ratio', op: '>', value: 0.0001 },
  for: '0s',
  runbook: '5.2 Out of memory',
  action: 'free_memory',
};

let c: E2EConsole;
test.beforeAll(async () => {
  c = await startE2EConsole({ 'alerts.rules': [tinyRule], 'alerts.evaluate_interval_ms': 500, 'alerts.notify': [] });
});
test.afterAll(async () => {
  await c?.stop();
});

test('a firing alert is shown, acknowledged from the panel, and moves to history — the API agrees', async ({ page }) => {
  const errors = await openConsole(page, c);
  await page.getByTestId('nav-alerts').click();
  const item = page.getByTestId('panel-alerts').getByTestId(`alert-${tinyRule.id}`);
  await expect(item).toHaveAttribute('data-state', 'firing');
  await expect(item).toContainText('Memory above a tiny test threshold');
  await expect(item).toContainText('HIGH');
  await expect(item.getByRole('link', { name: /Free memory/ })).toHaveAttribute('href', /#\/emergency\?action=free_memory/);
  await expect(page.getByTestId('alert-count')).toHaveAttribute('data-count', '1');
  await page.screenshot({ path: 'test-results/e2e/screens/flow-alert-firing.png' });

  const id = (await item.getAttribute('data-alert-id'))!;
  await item.getByTestId('alert-acknowledge').click();
  await expect(item).toHaveAttribute('data-state', 'acknowledged');
  await expect(item.getByRole('status')).toHaveText('Acknowledged.');
  await expect(page.getByTestId('alert-count')).toHaveAttribute('data-count', '0');

  await page.getByTestId('tab-history').click();
  const row = page.getByTestId('alerts-history').getByTestId(`history-${tinyRule.id}`).first();
  await expect(row).toHaveAttribute('data-state', 'acknowledged');
  await page.screenshot({ path: 'test-results/e2e/screens/flow-alert-history.png' });

  const history = (await (await fetch(`${c.url}/api/v1/monitoring/alerts/history`)).json()) as { items: { id: string; state: string; acknowledged_by: string | null }[] };
  expect(history.items.find((a) => a.id === id)).toMatchObject({ state: 'acknowledged' });
  const current = (await (await fetch(`${c.url}/api/v1/monitoring/alerts`)).json()) as { alerts: { id: string; state: string }[] };
  expect(current.alerts.find((a) => a.id === id)?.state).toBe('acknowledged');

  // Chinese operators read the config-provided title in Chinese.
  await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('zh');
  await expect(row).toContainText('内存超过测试阈值');
  expect(errors).toEqual([]);
});
