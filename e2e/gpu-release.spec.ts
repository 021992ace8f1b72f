import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { openConsole, startE2EConsole, type E2EConsole } from './console';
import { speechWav } from './media';

interface Job {
  id: string;
  state: string;
  retries: number;
  attempts: { started: number };
}
interface LockHealth {
  locks: { lock_key: string; state: string; holder: { job_id: string | null } | null }[];
}

let c: E2EConsole;
test.beforeAll(async () => {
  c = await startE2EConsole({ 'jobs.backoff.delay_ms': 8000 });
});
test.afterAll(async () => {
  await c?.stop();
});

const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
  const r = await fetch(`${c.url}${path}`, { ...init, headers: { authorization: `Bearer ${c.token}`, ...(init.headers ?? {}) } });
  return (await r.json()) as T;
};

test('"Release GPU lock" while a job holds it: confirm, the lock is free and the job is retried', async ({ page }) => {
  test.setTimeout(420_000);
  // A long recording keeps the job on the GPU lock long enough to release it.
  const wav = speechWav(Array.from({ length: 12 }, (_, i) => `check ${i} status of the gpu lock and restart the worker`).join('. '), 'long-run.wav');
  const form = new FormData();
  form.append('options', JSON.stringify({ output_formats: ['json'] }));
  form.append('file', new Blob([readFileSync(wav)], { type: 'audio/wav' }), 'long-run.wav');
  const { id } = await api<{ id: string }>('/api/v1/transcriptions', { method: 'POST', body: form });

  await expect
    .poll(async () => (await api<LockHealth>('/api/v1/monitoring/gpu-lock/health')).locks.find((l) => l.lock_key === 'gpu_lock:0')?.holder?.job_id ?? null, { timeout: 240_000 })
    .toBe(id);

  const errors = await openConsole(page, c);
  await page.getByTestId('nav-emergency').click();
  const lockRow = page.getByTestId('lock-gpu_lock:0');
  await expect(lockRow).toHaveAttribute('data-state', 'held');
  await expect(lockRow).toContainText(id);

  await page.getByTestId('action-release_gpu_lock').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('confirm-description')).toContainText('whoever holds it');
  await expect(dialog.getByRole('combobox')).toHaveValue('gpu_lock:0');
  await page.screenshot({ path: 'test-results/e2e/screens/flow-release-confirm.png' });
  await dialog.getByRole('textbox').fill('e2e: job stuck on the GPU');
  await dialog.getByRole('button', { name: 'Do it' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('result-release_gpu_lock')).toHaveAttribute('data-outcome', 'done');
  await expect(lockRow).toHaveAttribute('data-state', 'free');
  await page.screenshot({ path: 'test-results/e2e/screens/flow-release-done.png', fullPage: true });

  // The holder was told to stop: its run ends and the queue runs the job again.
  await expect
    .poll(
      async () => {
        const j = await api<Job>(`/api/v1/transcriptions/${id}`);
        return j.attempts.started >= 2 || j.retries >= 1 || j.state === 'retrying' ? 'retried' : `${j.state}, started ${j.attempts.started}, retries ${j.retries}`;
      },
      { timeout: 120_000 },
    )
    .toBe('retried');
  await expect(page.getByTestId('audit-log')).toContainText('release_gpu_lock');
  expect(errors).toEqual([]);
});
