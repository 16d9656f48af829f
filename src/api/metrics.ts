import type { Registry } from 'prom-client';

/**
 * Counters and histograms for the per-request hot path, registered in a prom-client
 * registry and printed by it. prom-client's own hash the labels object on every call,
 * even through a labelled child; these keep one child per label set, found once, so a
 * request costs an addition. Label sets must be few (routes, methods, outcomes).
 */
abstract class Labelled<L extends string, C> {
  private readonly children = new Map<string, C>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The child for these label values, in `labelNames` order. */
  child(...values: string[]): C {
    const key = values.length === 1 ? values[0]! : values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      if (values.length !== this.labelNames.length) {
        throw new Error(`${this.name} takes ${this.labelNames.length} label values`);
      }
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => {
        labels[name] = values[i]!;
      });
      child = this.create(labels);
      this.children.set(key, child);
    }
    return child;
  }

  protected abstract create(labels: Record<string, string>): C;

  protected all(): IterableIterator<C> {
    return this.children.values();
  }

  reset(): void {
    this.children.clear();
  }
}

interface CounterChild {
  readonly labels: Record<string, string>;
  value: number;
  inc(): void;
}

export class FastCounter<L extends string> extends Labelled<L, CounterChild> {
  readonly type = 'counter';
  readonly aggregator = 'sum';

  protected create(labels: Record<string, string>): CounterChild {
    return {
      labels,
      value: 0,
      inc() {
        this.value += 1;
      },
    };
  }

  get() {
    const values = [...this.all()].map((c) => ({ labels: c.labels, value: c.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

interface HistogramChild {
  readonly labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
  observe(value: number): void;
}

export class FastHistogram<L extends string> extends Labelled<L, HistogramChild> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }

  protected create(labels: Record<string, string>): HistogramChild {
    const buckets = this.buckets;
    return {
      labels,
      counts: new Float64Array(buckets.length + 1),
      sum: 0,
      count: 0,
      observe(value: number) {
        let i = 0;
        while (i < buckets.length && value > buckets[i]!) i++;
        this.counts[i]! += 1;
        this.sum += value;
        this.count += 1;
      },
    };
  }

  get() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const c of this.all()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += c.counts[i]!;
        values.push({ labels: { le, ...c.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...c.labels }, value: c.count, metricName: `${this.name}_bucket` });
      values.push({ labels: c.labels, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: c.labels, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
