// One line per event: JSON when stdout is not a TTY (journald, log shippers), human-readable otherwise.
// Secrets never reach here: callers mask them first (see the IMAP wire trace).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. { module: 'imap', session: 'a1b2' }). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  json?: boolean;
  write?: (line: string) => void;
  clock?: () => Date;
}

export function createLogger(opts: LoggerOptions = {}, base: LogFields = {}): Logger {
  const level = opts.level ?? 'info';
  const json = opts.json ?? !process.stdout.isTTY;
  const write = opts.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const clock = opts.clock ?? (() => new Date());

  const emit = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (ORDER[lvl] < ORDER[level]) return;
    const all = { ...base, ...fields };
    if (json) {
      write(JSON.stringify({ time: clock().toISOString(), level: lvl, msg, ...all }, jsonSafe));
    } else {
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? oneLine(v) : JSON.stringify(v, jsonSafe)}`)
        .join(' ');
      write(`${clock().toISOString()} ${lvl.toUpperCase().padEnd(5)} ${oneLine(msg)}${extra ? ' ' + extra : ''}`);
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

/**
 * Control characters (CR, LF, ESC…) escaped: values come from clients (HELO names, addresses, mailbox names),
 * and a raw line break would let one forge a log line of its own in the terminal format.
 */
function oneLine(s: string): string {
  return /[\x00-\x1f\x7f]/.test(s) ? s.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)) : s;
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A logger that drops everything; for tests and library use. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => {} });
