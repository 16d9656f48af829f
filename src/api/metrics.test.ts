import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram } from './metrics.js';

describe('fast metrics', () => {
  it('print counters per label set in the Prometheus text format', async () => {
    const registry = new Registry();
    const counter = new FastCounter('c_total', 'a counter', ['route', 'status'], registry);
    counter.child('/a', '200').inc();
    counter.child('/a', '200').inc();
    counter.child('/b', '500').inc();
    const text = await registry.metrics();
    expect(text).toContain('# HELP c_total a counter\n# TYPE c_total counter\n');
    expect(text).toContain('c_total{route="/a",status="200"} 2\n');
    expect(text).toContain('c_total{route="/b",status="500"} 1\n');
    expect(() => counter.child('/a')).toThrow(/2 label values/);
  });

  it('print cumulative histogram buckets, +Inf, sum and count', async () => {
    const registry = new Registry();
    const histogram = new FastHistogram('h_seconds', 'a histogram', ['op'], [0.1, 1], registry);
    const child = histogram.child('read');
    for (const value of [0.05, 0.1, 0.5, 3]) child.observe(value);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE h_seconds histogram\n');
    expect(text).toContain('h_seconds_bucket{le="0.1",op="read"} 2\n');
    expect(text).toContain('h_seconds_bucket{le="1",op="read"} 3\n');
    expect(text).toContain('h_seconds_bucket{le="+Inf",op="read"} 4\n');
    expect(text).toContain('h_seconds_sum{op="read"} 3.65\n');
    expect(text).toMatch(/h_seconds_count\{op="read"\} 4(\n|$)/);
  });
});
