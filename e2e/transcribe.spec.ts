/// <reference lib="dom.iterable" />
/// <reference lib="dom" />
// Page functions below run in the browser.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { expect, test } from '@playwright/test';
import { openConsole, startE2EConsole, type E2EConsole } from './console';
import { demoSample, demoSampleText, dropFile, hasDemo, hasSample, parseSrt, speechWav } from './media';

/**
 * With the bundled demo model the transcript must say the sample's words; with the
 * random-weight test model (until the demo model lands) only the structure is checked.
 */
const spoken = demoSampleText;
let c: E2EConsole;
let sample: string;
test.beforeAll(async () => {
  c = await startE2EConsole({ 'model.name': hasDemo ? 'whisperx-demo-en' : 'test-tiny-en', 'jobs.progress_interval_ms': 100 });
  sample = hasSample ? demoSample : speechWav(spoken, 'demo-status-check.wav');
});
test.afterAll(async () => {
  await c?.stop();
});

test('a file dropped on the drop zone is transcribed, shown and exported as SRT', async ({ page }) => {
  // Inference shares two cores with model training on these machines.
  test.setTimeout(420_000);
  const errors = await openConsole(page, c);
  const zone = page.getByTestId('dropzone');
  await expect(zone).toBeVisible();

  // Record every state and progress value the queue shows, from before the drop.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __seen: string[] }).__seen = seen;
    new MutationObserver(() => {
      for (const row of document.querySelectorAll('[data-job-name]')) {
        const p = row.querySelector('progress');
        seen.push(`${row.getAttribute('data-state')}:${p ? p.getAttribute('value') : ''}`);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'value'] });
  });

  const name = basename(sample);
  await dropFile(zone, sample);

  const row = page.locator(`[data-job-name="${name}"]`);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-state', 'completed', { timeout: 300_000 });
  const seen = await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
  const percents = [...new Set(seen.filter((s) => s.startsWith('active:') && s !== 'active:').map((s) => Number(s.split(':')[1])))];
  expect(seen.some((s) => s.startsWith('active'))).toBe(true);
  expect(percents.length).toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/e2e/screens/flow-job-done.png' });

  await row.getByTestId('job-view').click();
  const transcript = page.getByTestId('transcript');
  await expect(transcript).toBeVisible();
  const segments = transcript.getByTestId('segment');
  await expect(segments.first()).toBeVisible();
  if (hasDemo) await expect(transcript.getByTestId('segments')).toContainText(spoken);
  await expect(transcript.getByTestId('player')).toHaveAttribute('src', /\/audio$/);
  await page.screenshot({ path: 'test-results/e2e/screens/flow-transcript.png' });

  const [download] = await Promise.all([page.waitForEvent('download'), transcript.getByTestId('export-srt').click()]);
  expect(download.suggestedFilename()).toBe(name.replace(/\.wav$/, '.srt'));
  const srt = readFileSync((await download.path())!, 'utf8');
  const cues = parseSrt(srt);
  expect(cues.length).toBe(await segments.count());
  cues.forEach((cue, i) => {
    expect(cue.index).toBe(i + 1);
    expect(cue.end).toBeGreaterThan(cue.start);
    if (i > 0) expect(cue.start).toBeGreaterThanOrEqual(cues[i - 1]!.start);
  });
  // The SRT says what the transcript view shows, cue by cue.
  const shown = await segments.locator('.seg-text').allInnerTexts();
  expect(cues.map((q) => q.text.replace(/\s+/g, ' ').trim())).toEqual(shown.map((s) => s.replace(/\s+/g, ' ').trim()));
  if (hasDemo) expect(cues.map((q) => q.text).join(' ')).toContain(spoken);
  expect(errors).toEqual([]);
});

test('after a transcription the Models page says what the engine changed in each graph at load', async ({ page }) => {
  const errors = await openConsole(page, c);
  await page.getByTestId('nav-models').click();
  await expect(page.getByTestId('page-models')).toBeVisible();
  // The demo model's encoder is convolutional (no attention to fuse); the test model's has two blocks.
  await expect(page.getByTestId('model-encoder-rewrite')).toContainText(
    hasDemo ? 'encoder loaded as exported: no self-attention block has the Q·Kᵀ → Softmax → ·V pattern' : 'self-attention fused into MultiHeadAttention (2 layers)',
  );
  await expect(page.getByTestId('model-graph-rewrite')).toContainText('greedy tokens picked in the graph');
  await page.screenshot({ path: 'test-results/e2e/screens/models-graph-rewrites.png' });
  expect(errors).toEqual([]);
});
