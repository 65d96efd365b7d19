// Counters and gauges for /metrics in Prometheus text format. Modules increment; the HTTP module renders.

export type Labels = Readonly<Record<string, string>>;

export interface Metrics {
  inc(name: string, labels?: Labels, by?: number): void;
  /** `inc` for one fixed series, with its key built once (for counters bumped on every command). */
  counter(name: string, labels?: Labels): (by?: number) => void;
  set(name: string, value: number, labels?: Labels): void;
  /** Declares help text for a metric (optional, once). */
  describe(name: string, type: 'counter' | 'gauge', help: string): void;
  render(): string;
}

export function createMetrics(): Metrics {
  const values = new Map<string, Map<string, number>>();
  const meta = new Map<string, { type: 'counter' | 'gauge'; help: string }>();
  // Called for every counted command: most label values need no escaping, and one or two keys need no sort.
  const escape = (v: string): string => (/["\\\n]/.test(v) ? v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c)) : v);
  const key = (labels?: Labels): string => {
    if (!labels) return '';
    const names = Object.keys(labels);
    if (names.length === 0) return '';
    if (names.length > 1) names.sort();
    let out = '{';
    for (let i = 0; i < names.length; i++) out += `${i ? ',' : ''}${names[i]}="${escape(String(labels[names[i]!]))}"`;
    return out + '}';
  };
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
    counter(name, labels) {
      const s = series(name);
      const k = key(labels);
      return (by = 1) => {
        s.set(k, (s.get(k) ?? 0) + by);
      };
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

/** Counts a new connection of `protocol` (smtp, submission, imap); call the returned function when it closes. */
export function countConnection(metrics: Metrics, protocol: string): () => void {
  const labels = { protocol };
  metrics.inc('everlock_connections_total', labels);
  metrics.inc('everlock_connections_open', labels);
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    metrics.inc('everlock_connections_open', labels, -1);
  };
}

// Only verbs the servers know become label values: whatever else a client sends is "unknown", so a scanner
// cannot grow the number of series without bound.
const SMTP_VERBS = new Set(['HELO', 'EHLO', 'LHLO', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'HELP', 'STARTTLS', 'AUTH', 'XCLIENT', 'XFORWARD']);

/** Counts SMTP commands by verb on the `smtp` or `submission` listener: the returned function takes a verb. */
export function commandCounter(metrics: Metrics, protocol: string): (verb: string) => void {
  const counters = new Map<string, () => void>();
  return (verb) => {
    const command = SMTP_VERBS.has(verb) ? verb : 'unknown';
    let count = counters.get(command);
    if (!count) counters.set(command, (count = metrics.counter('everlock_smtp_commands_total', { protocol, command })));
    count();
  };
}

/** Help text of every metric the server exports, declared once at start so /metrics documents them all. */
export function describeServerMetrics(m: Metrics): void {
  m.describe('everlock_config_generation', 'gauge', 'Generation of the config snapshot now serving (1 at start, +1 per successful reload).');
  m.describe('everlock_config_reload_failures_total', 'counter', 'Config changes rejected because they did not validate.');
  m.describe('everlock_module_up', 'gauge', '1 when the module is running normally, 0 otherwise.');
  m.describe('everlock_http_requests_total', 'counter', 'HTTP requests by path.');
  m.describe('everlock_connections_total', 'counter', 'Client connections accepted, by protocol (smtp, submission, imap).');
  m.describe('everlock_connections_open', 'gauge', 'Client connections open now, by protocol.');
  m.describe('everlock_smtp_commands_total', 'counter', 'SMTP commands received, by listener protocol and verb.');
  m.describe('everlock_imap_commands_total', 'counter', 'IMAP commands completed, by command and status (OK, NO, BAD).');
  m.describe('everlock_smtp_auth_total', 'counter', 'SMTP submission logins, by result (success, failure).');
  m.describe('everlock_imap_auth_total', 'counter', 'IMAP logins, by result (success, failure).');
  m.describe('everlock_smtp_inbound_messages_total', 'counter', 'Messages accepted by the inbound SMTP listener.');
  m.describe('everlock_smtp_submitted_messages_total', 'counter', 'Messages accepted for submission.');
  m.describe('everlock_smtp_local_deliveries_total', 'counter', 'Local deliveries per recipient, by result.');
  m.describe('everlock_smtp_outbound_total', 'counter', 'Remote delivery attempts per recipient, by result.');
  m.describe('everlock_queue_entries', 'gauge', 'Messages waiting in the outbound queue.');
}
