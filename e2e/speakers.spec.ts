/// <reference lib="dom.iterable" />
/// <reference lib="dom" />
import { basename } from 'node:path';
import { expect, test } from '@playwright/test';
import { openConsole, startE2EConsole, type E2EConsole } from './console';
import { conversationWav, dropFile } from './media';

let c: E2EConsole;
let wav: string;
test.beforeAll(async () => {
  c = await startE2EConsole({ 'model.name': 'whisperx-demo-en', 'jobs.progress_interval_ms': 100 });
  wav = conversationWav();
});
test.afterAll(async () => {
  await c?.stop();
});

test('a conversation dropped with word timestamps and speakers shows words and each speaker in its colour', async ({ page }) => {
  test.setTimeout(420_000);
  const errors = await openConsole(page, c);
  const zone = page.getByTestId('dropzone');
  await expect(zone).toBeVisible();
  await expect(page.getByTestId('opt-align')).toBeEnabled();
  await page.getByTestId('opt-align').check();
  await page.getByTestId('opt-diarize').check();

  const name = basename(wav);
  await dropFile(zone, wav);
  const row = page.locator(`[data-job-name="${name}"]`);
  await expect(row).toHaveAttribute('data-state', 'completed', { timeout: 300_000 });

  await row.getByTestId('job-view').click();
  const transcript = page.getByTestId('transcript');
  const labels = transcript.getByTestId('speaker');
  await expect(labels.first()).toBeVisible();
  // A segment carries its majority speaker (WhisperX's rule); each word its own, and a word
  // of another speaker than its segment's is drawn in that speaker's colour.
  const words = transcript.locator('.word');
  await expect(words.first()).toHaveAttribute('title', /^\d+:\d\d\.\d · SPEAKER_0[01]$/);
  const seen = await words.evaluateAll((els) => els.map((e) => ({ speaker: e.getAttribute('data-speaker'), colour: getComputedStyle(e).color, segment: e.closest('li')?.querySelector('.speaker')?.textContent ?? null })));
  const names = [...new Set([...(await labels.allInnerTexts()), ...seen.map((w) => w.speaker).filter((x): x is string => Boolean(x))])];
  expect(names.sort()).toEqual(['SPEAKER_00', 'SPEAKER_01']);
  const own = seen.filter((w) => w.speaker && w.speaker === w.segment).map((w) => w.colour);
  const other = seen.filter((w) => w.speaker && w.segment && w.speaker !== w.segment).map((w) => w.colour);
  for (const c of other) expect(own).not.toContain(c);
  await page.screenshot({ path: 'test-results/e2e/screens/panel-transcript-speakers.png' });

  const job = (await (await fetch(`${c.url}/api/v1/transcriptions?q=${name}`)).json()) as { jobs: Array<{ options: Record<string, unknown> }> };
  expect(job.jobs[0]!.options).toMatchObject({ align: true, diarize: true });
  expect(errors).toEqual([]);
});
