// A logger that adds a session's fields (id, address, user) to every line. One small object per session, where
// Logger.child would build a set of closures for each of thousands of mostly silent connections.
import type { LogFields, Logger } from '../../../log.js';

export class FieldLogger implements Logger {
  constructor(
    private readonly base: Logger,
    private readonly fields: LogFields,
  ) {}

  private with(fields: LogFields | undefined): LogFields {
    return fields === undefined ? this.fields : { ...this.fields, ...fields };
  }

  debug(msg: string, fields?: LogFields): void {
    this.base.debug(msg, this.with(fields));
  }

  info(msg: string, fields?: LogFields): void {
    this.base.info(msg, this.with(fields));
  }

  warn(msg: string, fields?: LogFields): void {
    this.base.warn(msg, this.with(fields));
  }

  error(msg: string, fields?: LogFields): void {
    this.base.error(msg, this.with(fields));
  }

  child(fields: LogFields): Logger {
    return this.base.child(this.with(fields));
  }
}
