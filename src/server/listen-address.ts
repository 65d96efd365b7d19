// `host:port` / `[v6]:port` / bare port, as written in flags and everlock.toml.
export function splitListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address.trim());
  if (!m) {
    if (/^\d{1,5}$/.test(address.trim())) return { host: '0.0.0.0', port: Number(address) };
    throw new Error(`not a listen address: ${address}`);
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}

/** Accepts a bare port (`2525`) or host:port; returns host:port. */
export function normalizeListenAddress(value: string): string {
  const v = value.trim();
  return /^\d{1,5}$/.test(v) ? `0.0.0.0:${v}` : v;
}

export function formatListenAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
