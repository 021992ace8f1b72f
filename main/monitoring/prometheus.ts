/**
 * GET /metrics: every catalog series as a `whisperx_*` gauge (read from the latest
 * samples at scrape time), the request-duration histogram, the KPIs and the open alerts,
 * plus Node.js process metrics. Its own registry, so two consoles in one process (tests)
 * never share counters.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry, type Metric } from 'prom-client';
import type { AlertRecord } from '../contract/alerts';
import type { KpiEntry } from '../contract/monitoring';
import type { HttpTiming } from '../core/module';
import { metricCatalog } from './catalog';
import type { LatestValue } from './series';

export const PROM_PREFIX = 'whisperx_';

const kpiStates = ['ok', 'warn', 'alert', 'unknown'] as const;

interface GaugeValue {
  labels: Record<string, string>;
  value: number;
}

/**
 * A gauge read from the latest samples at scrape time. prom-client's Gauge prints 0 for a
 * label-less gauge that has no value; a series without data must be absent instead.
 */
class SnapshotGauge {
  readonly type = 'gauge';
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => GaugeValue[],
  ) {}
  get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.read() };
  }
  reset(): void {}
}

export interface PrometheusOptions {
  latencyBucketsS: number[];
  defaultMetrics: boolean;
  /**
   * Node.js process metrics are collected at most this often (ms); scrapes in between reuse
   * the last text. prom-client's collectors (event-loop lag percentiles, handles, heap
   * spaces) cost ~1 ms of main-thread time per scrape, which a busy scraper (or a
   * dashboard polling /metrics) would otherwise take from the API. Default 1000.
   */
  processMetricsMaxAgeMs?: number;
  /** Clock for that cache (tests). */
  now?: () => number;
  /** Latest value of each series of a name. */
  latest: (name: string) => LatestValue[];
  kpis: () => KpiEntry[];
  openAlerts: () => AlertRecord[];
}

export class PrometheusExporter {
  readonly registry = new Registry();
  /** Node.js process metrics (collectDefaultMetrics), cached for processMetricsMaxAgeMs. */
  private readonly processRegistry = new Registry();
  private processText: { at: number; text: Promise<string> } | null = null;
  private readonly processMaxAgeMs: number;
  private readonly now: () => number;
  private readonly withDefaults: boolean;
  /** KPIs computed once per scrape (three gauges read them). */
  private scrapeKpis: KpiEntry[] | null = null;
  private readonly duration: Histogram<'route' | 'method' | 'status'>;
  private readonly requests: Counter<'route' | 'method' | 'status'>;

  constructor(opts: PrometheusOptions) {
    this.processMaxAgeMs = opts.processMetricsMaxAgeMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.withDefaults = opts.defaultMetrics;
    const registers = [this.registry];
    const kpis = () => (this.scrapeKpis ??= opts.kpis());
    this.duration = new Histogram({
      name: `${PROM_PREFIX}api_request_duration_seconds`,
      help: 'API response time by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: opts.latencyBucketsS,
      registers,
    });
    this.requests = new Counter({ name: `${PROM_PREFIX}api_requests_total`, help: 'API requests by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers });

    const gauge = (name: string, help: string, read: () => GaugeValue[]) => this.registry.registerMetric(new SnapshotGauge(`${PROM_PREFIX}${name}`, help, read) as unknown as Metric);
    for (const def of metricCatalog) {
      if (def.prometheus === false) continue;
      gauge(def.name, `${def.help} (${def.unit})`, () => opts.latest(def.name).map((l) => ({ labels: { ...l.labels }, value: l.v })));
    }
    gauge('kpi_value', "The manual's key metrics (kpi section of config.yml), in their own units", () =>
      kpis().flatMap((k) => (k.value === null ? [] : [{ labels: { kpi: k.key }, value: k.value }])),
    );
    gauge('kpi_threshold', 'Target of each key metric: the value must stay below (bound="max") or above (bound="min") it', () =>
      kpis().map((k) => ({ labels: { kpi: k.key, bound: k.threshold.bound }, value: k.threshold.value })),
    );
    gauge('kpi_state', 'State of each key metric: 1 for its current state (ok, warn, alert, unknown), 0 for the others', () =>
      kpis().flatMap((k) => kpiStates.map((st) => ({ labels: { kpi: k.key, state: st }, value: k.state === st ? 1 : 0 }))),
    );
    gauge('alerts_open', 'Open alerts by severity and state', () => {
      const counts = new Map<string, GaugeValue>();
      for (const severity of ['high', 'medium', 'low']) {
        for (const state of ['pending', 'firing', 'acknowledged']) counts.set(`${severity}/${state}`, { labels: { severity, state }, value: 0 });
      }
      for (const a of opts.openAlerts()) counts.get(`${a.severity}/${a.state}`)!.value++;
      return [...counts.values()];
    });

    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.processRegistry, prefix: PROM_PREFIX });
  }

  observe(t: HttpTiming): void {
    const labels = { route: t.route, method: t.method, status: String(t.status) };
    this.duration.observe(labels, t.ms / 1000);
    this.requests.inc(labels);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. prom-client 15 writes NaN as `Nan` (e.g. the event-loop lag mean
   * before its first sample); the text format spells it `NaN`, so strict parsers reject it. */
  async text(): Promise<string> {
    this.scrapeKpis = null;
    let own: string;
    try {
      own = await this.registry.metrics();
    } finally {
      this.scrapeKpis = null;
    }
    const proc = this.withDefaults ? await this.processMetrics() : '';
    return `${own}${own && proc && !own.endsWith('\n') ? '\n' : ''}${proc}`.replace(/ Nan$/gm, ' NaN');
  }

  private processMetrics(): Promise<string> {
    const now = this.now();
    if (!this.processText || now - this.processText.at >= this.processMaxAgeMs) {
      const text = this.processRegistry.metrics();
      this.processText = { at: now, text };
      // A failed collection is not kept: the next scrape tries again.
      text.catch(() => {
        if (this.processText?.text === text) this.processText = null;
      });
    }
    return this.processText.text;
  }
}
