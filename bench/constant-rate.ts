/**
 * Constant-rate (open-loop) HTTP load, wrk2-style: request i of the run is due at
 * t0 + i / rate, whatever happened to the earlier ones, and its latency is counted from
 * that due time — so a server stall counts against every request that fell due during it
 * (no coordinated omission), and no request is sent early in a burst.
 *
 *   npx tsx bench/constant-rate.ts --rate 200 --duration 60 URL [URL...]
 *
 * URLs share the rate round-robin. Prints one JSON object: per URL the request count,
 * errors, non-2xx, and latency p50 / p97.5 / p99 / max in ms. Bounded: stops sending after
 * --duration and waits at most --timeout ms for the last answers.
 */
import http from 'node:http';

interface RouteStats {
  url: string;
  latencies: number[];
  errors: number;
  non2xx: number;
}

export interface ConstantRateResult {
  url: string;
  total: number;
  errors: number;
  non2xx: number;
  latency: { p50: number; p97_5: number; p99: number; max: number; mean: number };
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const rate = arg('rate', 200);
  const duration = arg('duration', 60);
  const timeoutMs = arg('timeout', 10_000);
  const urls = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  if (urls.length === 0 || !(rate > 0) || !(duration > 0)) {
    console.error('usage: constant-rate.ts --rate N --duration S URL [URL...]');
    process.exit(2);
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const stats: RouteStats[] = urls.map((url) => ({ url, latencies: [], errors: 0, non2xx: 0 }));
  const total = Math.round(rate * duration);
  const intervalMs = 1000 / rate;
  let sent = 0;
  let done = 0;
  const t0 = performance.now();

  const fire = (i: number) => {
    const due = t0 + i * intervalMs;
    const s = stats[i % urls.length]!;
    const req = http.get(s.url, { agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => {
        s.latencies.push(performance.now() - due);
        if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) s.non2xx++;
        done++;
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      s.errors++;
      done++;
    });
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - t0) / intervalMs) + 1);
      while (sent < due) fire(sent++);
      if (sent >= total) return resolve();
      // Sleep until the next request is due (timers fire late under load; the loop catches up).
      setTimeout(tick, Math.max(0, t0 + sent * intervalMs - performance.now()));
    };
    tick();
  });
  const deadline = performance.now() + timeoutMs;
  while (done < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  agent.destroy();

  const out: ConstantRateResult[] = stats.map((s) => {
    const sorted = [...s.latencies].sort((a, b) => a - b);
    const r = (v: number) => Math.round(v * 10) / 10;
    return {
      url: s.url,
      total: s.latencies.length + s.errors,
      errors: s.errors,
      non2xx: s.non2xx,
      latency: {
        p50: r(percentile(sorted, 50)),
        p97_5: r(percentile(sorted, 97.5)),
        p99: r(percentile(sorted, 99)),
        max: r(sorted.at(-1) ?? 0),
        mean: r(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
      },
    };
  });
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
