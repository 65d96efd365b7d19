// How users commands obtain a new password without it ever appearing on screen or in logs:
// --password-stdin reads one line; on a terminal we prompt twice with echo off; otherwise one line is read from
// stdin. A --password flag works but warns, since arguments leak into shell history and `ps`.
import { Flags } from '@oclif/core';
import { UserError } from '../../errors.js';

export const passwordFlags = {
  'password-stdin': Flags.boolean({ description: 'read the password from the first line of stdin', default: false }),
  password: Flags.string({ description: 'the password (visible in shell history and ps; prefer --password-stdin)' }),
};

export interface PasswordFlags {
  'password-stdin': boolean;
  password?: string | undefined;
}

async function readLine(): Promise<string> {
  let buf = '';
  for await (const chunk of process.stdin) {
    buf += String(chunk);
    if (buf.includes('\n')) break;
  }
  return (buf.split('\n')[0] ?? '').replace(/\r$/, '');
}

/** Reads a line from the terminal without echo. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    // Echo goes off before the prompt appears, so even typing (or pasting) at once is never echoed.
    stdin.setRawMode(true);
    process.stderr.write(question);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (s: string): void => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new UserError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * The new password, or undefined when `optional` and none was given on a non-terminal stdin.
 * Throws UserError for an empty password or a mismatched confirmation.
 */
export async function obtainPassword(flags: PasswordFlags, optional: boolean): Promise<string | undefined> {
  if (flags.password !== undefined) {
    process.stderr.write('warning: --password leaks into shell history and the process list; prefer --password-stdin\n');
    if (flags.password === '') throw new UserError('empty password');
    return flags.password;
  }
  if (flags['password-stdin']) {
    const pw = await readLine();
    if (pw === '') throw new UserError('empty password on stdin');
    return pw;
  }
  if (process.stdin.isTTY) {
    const pw = await promptHidden('New password: ');
    if (pw === '') throw new UserError('empty password');
    const again = await promptHidden('Repeat password: ');
    if (again !== pw) throw new UserError('passwords do not match');
    return pw;
  }
  const pw = await readLine();
  if (pw === '' && !optional) throw new UserError('no password given: pipe it with --password-stdin or run on a terminal');
  return pw === '' ? undefined : pw;
}
