// Counters and gauges for /metrics in Prometheus text format. Modules increment; the HTTP module renders.

export type Labels = Readonly<Record<string, string>>;

export interface Metrics {
  inc(name: string, labels?: Labels, by?: number): void;
  set(name: string, value: number, labels?: Labels): void;
  /** Declares help text for a metric (optional, once). */
  describe(name: string, type: 'counter' | 'gauge', help: string): void;
  render(): string;
}

export function createMetrics(): Metrics {
  const values = new Map<string, Map<string, number>>();
  const meta = new Map<string, { type: 'counter' | 'gauge'; help: string }>();
  const key = (labels?: Labels): string =>
    labels && Object.keys(labels).length
      ? '{' +
        Object.keys(labels)
          .sort()
          .map((k) => `${k}="${String(labels[k]).replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c))}"`)
          .join(',') +
        '}'
      : '';
  const series = (name: string): Map<string, number> => {
    let s = values.get(name);
    if (!s) values.set(name, (s = new Map()));
    return s;
  };
  return {
    inc(name, labels, by = 1) {
      const s = series(name);
      const k = key(labels);
      s.set(k, (s.get(k) ?? 0) + by);
    },
    set(name, value, labels) {
      series(name).set(key(labels), value);
    },
    describe(name, type, help) {
      meta.set(name, { type, help });
      series(name);
    },
    render() {
      const out: string[] = [];
      for (const [name, s] of [...values].sort(([a], [b]) => a.localeCompare(b))) {
        const m = meta.get(name);
        if (m) out.push(`# HELP ${name} ${m.help}`, `# TYPE ${name} ${m.type}`);
        for (const [k, v] of s) out.push(`${name}${k} ${v}`);
      }
      return out.join('\n') + '\n';
    },
  };
}
