/**
 * MonitoringService: runs the samplers on an interval into the series store, keeps the
 * per-route latency window, persists the coarse series, answers the metrics/KPI routes
 * and publishes the latest values on the live feed.
 */
import type { AlertRecord } from '../contract/alerts';
import type { KpiEntry, MetricsResponse, MetricsSnapshot } from '../contract/monitoring';
import type { MonitoringConfig } from '../core/config/sections/monitoring';
import { describeError } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import type { HttpTiming } from '../core/module';
import type { KpiConfig } from '../alerts/rules';
import { metricByName } from './catalog';
import type { SeriesHistory } from './history';
import { computeKpis } from './kpis';
import { LatencyWindow } from './latency';
import type { PrometheusExporter } from './prometheus';
import type { Sampler } from './samplers';
import { SeriesStore, type Labels, type LatestValue } from './series';

export interface MonitoringServiceOptions {
  settings: MonitoringConfig;
  kpi: () => KpiConfig;
  samplers: Sampler[];
  history?: SeriesHistory;
  now?: () => number;
  logger?: Logger;
  /** Open alerts of rules over a series (the alerts wing, once there). */
  openAlertsFor?: () => ((metric: string) => AlertRecord[]) | undefined;
  publish?: (snapshot: MetricsSnapshot) => void;
  /** Publishing is skipped while nobody listens. */
  hasListeners?: () => boolean;
}

export class MonitoringService {
  readonly store: SeriesStore;
  readonly latency: LatencyWindow;
  prometheus: PrometheusExporter | undefined;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly excluded: Set<string>;
  private sampleTimer: NodeJS.Timeout | undefined;
  private publishTimer: NodeJS.Timeout | undefined;
  private sampling = false;
  private running = false;

  constructor(private readonly opts: MonitoringServiceOptions) {
    const s = opts.settings;
    this.store = new SeriesStore({ finePoints: s.series.fine_points, coarseStepMs: s.series.coarse_step_s * 1000, coarsePoints: s.series.coarse_points });
    this.latency = new LatencyWindow(s.api_latency_window_s * 1000);
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? silentLogger;
    this.excluded = new Set(s.api_latency_exclude_routes);
  }

  /** A sample older than this is stale (its sampler stopped or failed). */
  get maxSampleAgeMs(): number {
    return Math.max(3 * this.opts.settings.sample_interval_ms, 5_000);
  }

  record(name: string, labels: Labels, value: number | null | undefined, t = this.now()): void {
    if (value === null || value === undefined) return;
    this.store.record(name, labels, value, t);
  }

  /** Every HTTP response (ctx.onHttpResponse): latency window and Prometheus histogram. */
  observeHttp(t: HttpTiming): void {
    if (this.excluded.has(t.route)) return;
    this.latency.record(t.route, t.ms / 1000, this.now());
    this.prometheus?.observe(t);
  }

  /** Runs every sampler once (in parallel) and records the latency percentiles. */
  async sampleOnce(): Promise<void> {
    const t = this.now();
    const rec = (name: string, labels: Labels, v: number | null | undefined) => this.record(name, labels, v, t);
    await Promise.all(
      this.opts.samplers.map(async (s) => {
        try {
          await s.sample(rec);
        } catch (e) {
          this.logger.debug({ sampler: s.name, err: describeError(e) }, 'sampler failed');
        }
      }),
    );
    for (const r of this.latency.snapshot(t)) {
      const l = { route: r.route };
      rec('api_request_duration_p50_seconds', l, r.p50_s);
      rec('api_request_duration_p95_seconds', l, r.p95_s);
      rec('api_request_duration_p99_seconds', l, r.p99_s);
      rec('api_requests_per_second', l, r.rate_per_s);
    }
    await this.persist();
  }

  private async persist(): Promise<void> {
    if (!this.opts.history) return;
    const points = this.store.drainCoarse();
    if (points.length === 0) return;
    const failed = await this.opts.history.save(points);
    // Redis down: keep a bounded backlog to write once it is back.
    if (failed.length) this.store.requeue(failed, this.opts.settings.series.coarse_points * 50);
  }

  async start(): Promise<void> {
    if (this.opts.history) {
      try {
        const n = await this.opts.history.load(this.store);
        this.logger.info({ series: n }, 'metric history restored from Redis');
      } catch (e) {
        this.logger.warn({ err: describeError(e) }, 'metric history could not be read from Redis; charts start empty');
      }
    }
    this.running = true;
    const loop = () => {
      if (!this.running) return;
      this.sampleTimer = setTimeout(() => {
        if (this.sampling) return loop();
        this.sampling = true;
        void this.sampleOnce().finally(() => {
          this.sampling = false;
          loop();
        });
      }, this.opts.settings.sample_interval_ms);
      this.sampleTimer.unref();
    };
    this.sampling = true;
    await this.sampleOnce().finally(() => (this.sampling = false));
    loop();
    this.publishTimer = setInterval(() => {
      if (this.opts.publish && (this.opts.hasListeners?.() ?? true)) this.opts.publish(this.snapshot());
    }, this.opts.settings.publish_interval_ms);
    this.publishTimer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.sampleTimer);
    clearInterval(this.publishTimer);
    await this.persist().catch(() => undefined);
  }

  latest(name: string, labels?: Labels): LatestValue[] {
    return this.store.latest(name, this.now(), this.maxSampleAgeMs, labels);
  }

  kpis(): KpiEntry[] {
    const open = this.opts.openAlertsFor?.();
    return computeKpis({ kpi: this.opts.kpi(), latest: (m, l) => this.latest(m, l), openAlerts: (m) => open?.(m) ?? [] });
  }

  snapshot(): MetricsSnapshot {
    const now = this.now();
    return {
      timestamp: new Date(now).toISOString(),
      kpis: this.kpis(),
      values: this.store.allLatest(now, this.maxSampleAgeMs).map((l) => ({ name: l.name, labels: { ...l.labels }, value: l.v })),
    };
  }

  /** GET /api/v1/monitoring/metrics. */
  metrics(q: { names: string[]; range: number; points: number }): MetricsResponse {
    const to = this.now();
    const from = to - q.range * 1000;
    const series = q.names.flatMap((name) =>
      this.store.query(name, from, to + 1, q.points).map((w) => ({
        name: w.name,
        labels: { ...w.labels },
        unit: metricByName.get(w.name)?.unit ?? 'count',
        points: w.points.map((p) => [p.t, p.v] as [number, number]),
      })),
    );
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), range_s: q.range, series, available: this.store.names() };
  }
}
