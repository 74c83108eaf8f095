// Logging as hashicorp/go-hclog JSON lines on stderr, which go-plugin parses on the
// host side (log_entry.go): @level, @message, @timestamp, plus any key/value pairs.
// The timestamp must match Go's layout 2006-01-02T15:04:05.000000Z07:00 (six
// fractional digits); JS's toISOString has three, which Go would reject.

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export type Fields = Readonly<Record<string, unknown>>;

export interface Logger {
  log(level: Level, message: string, fields?: Fields): void;
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

export function hclogTimestamp(date = new Date()): string {
  const iso = date.toISOString(); // 2026-11-23T19:10:22.123Z
  return `${iso.slice(0, 23)}000Z`;
}

function fieldValue(v: unknown): unknown {
  if (v instanceof Error) return v.message;
  if (typeof v === 'bigint') return v.toString();
  return v;
}

export function formatHclogLine(level: Level, message: string, fields: Fields = {}, date = new Date()): string {
  const entry: Record<string, unknown> = {'@level': level, '@message': message, '@timestamp': hclogTimestamp(date)};
  for (const [k, v] of Object.entries(fields)) {
    if (!k.startsWith('@')) entry[k] = fieldValue(v);
  }
  return JSON.stringify(entry);
}

export class HclogLogger implements Logger {
  constructor(
    private readonly write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
    private readonly base: Fields = {},
  ) {}

  log(level: Level, message: string, fields: Fields = {}): void {
    try {
      this.write(formatHclogLine(level, message, {...this.base, ...fields}));
    } catch {
      // Logging must never take the plugin down (e.g. EPIPE once the host is gone).
    }
  }

  with(fields: Fields): HclogLogger {
    return new HclogLogger(this.write, {...this.base, ...fields});
  }

  debug(message: string, fields?: Fields): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: Fields): void {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: Fields): void {
    this.log('warn', message, fields);
  }
  error(message: string, fields?: Fields): void {
    this.log('error', message, fields);
  }
}

/** Parses a line a plugin wrote to stderr the way go-plugin's host does. */
export function parseHclogLine(line: string): {level: Level | 'none'; message: string; fields: Record<string, unknown>} {
  try {
    const obj = JSON.parse(line) as unknown;
    if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
      const {'@level': level, '@message': message, '@timestamp': _ts, ...fields} = obj as Record<string, unknown>;
      const known = ['trace', 'debug', 'info', 'warn', 'error'];
      return {level: typeof level === 'string' && known.includes(level) ? (level as Level) : 'none', message: String(message ?? ''), fields};
    }
  } catch {
    // not JSON
  }
  const m = /^\[(TRACE|DEBUG|INFO|WARN|ERROR)\]\s*(.*)$/.exec(line);
  if (m) return {level: m[1]!.toLowerCase() as Level, message: m[2]!, fields: {}};
  return {level: 'none', message: line, fields: {}};
}
