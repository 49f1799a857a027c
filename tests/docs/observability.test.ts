import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERIES } from '@segment-webhook/prometheus';
import { describe, expect, it } from 'vitest';

// The runbook and the Grafana dashboard name the series the kit exports (issue 14 §5).
const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const series = new Set<string>(Object.values(SERIES));
const HISTOGRAMS = new Set<string>([SERIES.segmentRequestDuration, SERIES.batchSize]);

/** The kit's series named in a PromQL expression (a histogram's `_bucket`, `_count`, `_sum` count as it). */
function seriesIn(expr: string): string[] {
  return [...expr.matchAll(/\bsegment_webhook_[a-z_]+/g)].map(([name]) => {
    const base = name.replace(/_(bucket|count|sum)$/, '');
    return base !== name && HISTOGRAMS.has(base) ? base : name;
  });
}

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  gridPos: { h: number; w: number; x: number; y: number };
}

describe('docs/grafana-dashboard.json', () => {
  const dashboard = JSON.parse(read('docs/grafana-dashboard.json')) as {
    title: string;
    uid: string;
    panels: Panel[];
    __inputs: { type: string; pluginId: string }[];
  };

  it('is a dashboard Grafana imports as it is: a title, a uid, panels on a Prometheus data source', () => {
    expect(dashboard.title).toBe('Segment webhooks');
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ type: 'datasource', pluginId: 'prometheus' })]);
    const ids = dashboard.panels.map((panel) => (panel as unknown as { id: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(['timeseries', 'stat']).toContain(panel.type);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    }
  });

  it('names only real series in its queries, and shows every one of them', () => {
    const shown = new Set<string>();
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets ?? []) {
        const names = seriesIn(expr);
        expect(names.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of names) {
          expect(series.has(name), `${panel.title} names ${name}`).toBe(true);
          shown.add(name);
        }
      }
    }
    expect([...shown].sort()).toEqual([...series].sort());
  });
});

describe('docs/operations.md', () => {
  const runbook = read('docs/operations.md');

  it('alerts and explains on real series only, and lists each of them', () => {
    const named = seriesIn(runbook);
    expect(named.length).toBeGreaterThan(10);
    for (const name of named) expect(series.has(name), name).toBe(true);
    for (const name of series) expect(runbook, name).toContain(`\`${name}\``);
  });

  it('covers the runbook’s topics', () => {
    for (const topic of [
      '/healthz',
      '/readyz',
      '/metrics',
      'Needs attention',
      'Scaling out with PostgreSQL',
      'SQLite backup and restore',
      'wal_checkpoint',
      'Retention',
      'Graceful shutdown',
      'stopTimeoutMs',
      'storage_full',
      'grafana-dashboard.json',
    ]) {
      expect(runbook, topic).toContain(topic);
    }
  });
});

describe('README', () => {
  it('documents /healthz, /readyz and /metrics as part of the contract', () => {
    const readme = read('README.md');
    for (const route of ['GET /healthz', 'GET /readyz', 'GET /metrics']) expect(readme, route).toContain(route);
    expect(readme).toContain('docs/operations.md');
  });
});
