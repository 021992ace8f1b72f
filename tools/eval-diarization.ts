/**
 * Diarization error rate of the TypeScript diarizer on every <name>.wav + <name>.rttm pair
 * in a folder, with the demo models (or others): one row per file, then the total.
 *
 *   npx tsx tools/eval-diarization.ts [--dir DIR] [--models DIR] [--threshold 0.5]
 *       [--collar 0.25] [--linkage average|complete] [--num-speakers N] [--rttm-out DIR]
 *       [--set option=value ...]   (any numeric DiarizeOptions key, e.g. --set minClusterSize=4)
 *
 * DIR defaults to tools/.work/diarize/heldout when it exists (the demo model's held-out
 * set), else test/golden/diarize-demo. Exit code 1 when a file fails.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeAudioFile } from '../main/audio';
import { describeError } from '../main/core/errors';
import { diarizationErrorRate, formatRttm, parseRttm, type DerResult } from '../main/inference/diarize/der';
import { createDiarizer, loadDiarizerModels } from '../main/inference/diarize/pipeline';
import { defaultDiarizeOptions, type DiarizeOptions, type SpeakerTurn } from '../main/inference/diarize/types';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    models: { type: 'string', default: join(root, 'models', 'diarize-demo') },
    threshold: { type: 'string' },
    collar: { type: 'string', default: '0.25' },
    linkage: { type: 'string' },
    'num-speakers': { type: 'string' },
    'rttm-out': { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
  },
});

const heldout = join(root, 'tools', '.work', 'diarize', 'heldout');
const dir = values.dir ?? (existsSync(heldout) ? heldout : join(root, 'test', 'golden', 'diarize-demo'));
const collar = Number(values.collar);
const options: Partial<DiarizeOptions> = {
  ...(values.threshold ? { threshold: Number(values.threshold) } : {}),
  ...(values.linkage ? { linkage: values.linkage as DiarizeOptions['linkage'] } : {}),
  ...(values['num-speakers'] ? { numSpeakers: Number(values['num-speakers']) } : {}),
  ...Object.fromEntries(
    values.set.map((kv) => {
      const [key, value] = kv.split('=');
      if (!key || !(key in defaultDiarizeOptions) || !Number.isFinite(Number(value))) throw new Error(`--set ${kv}: want option=number with a numeric DiarizeOptions key`);
      return [key, Number(value)];
    }),
  ),
};

const pct = (x: number, total: number) => (total > 0 ? `${((100 * x) / total).toFixed(2)}%` : '-');

async function diarizeFile(wav: string, models: Awaited<ReturnType<typeof loadDiarizerModels>>): Promise<{ turns: SpeakerTurn[]; seconds: number }> {
  const diarizer = createDiarizer(models, options);
  let seconds = 0;
  for await (const block of decodeAudioFile(wav)) {
    await diarizer.push(block);
    seconds = block.offset + block.samples.length / block.sampleRate;
  }
  return { turns: await diarizer.finish(), seconds };
}

async function main(): Promise<number> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.wav') && existsSync(join(dir, f.replace(/\.wav$/, '.rttm')))).sort();
  if (!names.length) {
    console.error(`No <name>.wav + <name>.rttm pairs in ${dir}`);
    return 1;
  }
  const models = await loadDiarizerModels({ segmentation: join(values.models, 'segmentation', 'model.onnx'), embedding: join(values.models, 'embedding', 'model.onnx') });
  const settings = { ...defaultDiarizeOptions, ...options };
  console.log(`${dir}: ${names.length} files; models ${values.models}; threshold ${settings.threshold} (${settings.linkage}); collar ${collar} s${values.set.length ? `; ${values.set.join(' ')}` : ''}`);
  const header = ['file', 'audio s', 'ref spk', 'hyp spk', 'DER', 'missed', 'false alarm', 'confusion', 'RTF'];
  const rows: string[][] = [];
  const sum: Pick<DerResult, 'total' | 'missed' | 'falseAlarm' | 'confusion'> = { total: 0, missed: 0, falseAlarm: 0, confusion: 0 };
  let failed = 0;
  let audioSeconds = 0;
  let wallSeconds = 0;
  for (const name of names) {
    const wav = join(dir, name);
    const id = basename(name, '.wav');
    try {
      const refs = parseRttm(await readFile(join(dir, `${id}.rttm`), 'utf8'), `${id}.rttm`);
      const reference = refs.get(id) ?? [...refs.values()].flat();
      const t0 = performance.now();
      const { turns, seconds } = await diarizeFile(wav, models);
      const wall = (performance.now() - t0) / 1000;
      audioSeconds += seconds;
      wallSeconds += wall;
      if (values['rttm-out']) {
        await mkdir(values['rttm-out'], { recursive: true });
        await writeFile(join(values['rttm-out'], `${id}.rttm`), formatRttm(id, turns));
      }
      const r = diarizationErrorRate(reference, turns, { collar });
      sum.total += r.total;
      sum.missed += r.missed;
      sum.falseAlarm += r.falseAlarm;
      sum.confusion += r.confusion;
      rows.push([id, seconds.toFixed(1), String(r.referenceSpeakers), String(r.hypothesisSpeakers), pct(r.total * r.der, r.total), pct(r.missed, r.total), pct(r.falseAlarm, r.total), pct(r.confusion, r.total), (wall / seconds).toFixed(3)]);
    } catch (e) {
      failed++;
      rows.push([id, 'error: ' + describeError(e)]);
    }
  }
  await models.segmentation.release();
  await models.embedding.release();
  const errors = sum.missed + sum.falseAlarm + sum.confusion;
  rows.push(['TOTAL', audioSeconds.toFixed(1), '', '', pct(errors, sum.total), pct(sum.missed, sum.total), pct(sum.falseAlarm, sum.total), pct(sum.confusion, sum.total), audioSeconds ? (wallSeconds / audioSeconds).toFixed(3) : '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r.length === header.length ? (r[i] ?? '').length : 0))));
  const line = (r: string[]) => (r.length === header.length ? r.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ') : r.join('  '));
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(describeError(e));
    process.exit(1);
  },
);
