// The --imap-io-debug wire trace: one log line per protocol line, with LOGIN passwords, AUTHENTICATE
// payloads and long literals masked or cut, so a trace can be shared without leaking secrets or mail.

const MAX = 300;

export function traceLine(data: Buffer, secret: boolean): string {
  if (secret) return '<masked>';
  let text = data.toString('utf8').replace(/\r?\n$/, '');
  const login = /^(\S+ +LOGIN +)(\S+|"(?:[^"\\]|\\.)*"|\{\d+\+?\}\r?\n[\s\S]*?)( +)[\s\S]*$/i.exec(text);
  if (login) text = `${login[1]}${login[2]}${login[3]}<masked>`;
  else {
    const auth = /^(\S+ +AUTHENTICATE +\S+)( +\S+)?/i.exec(text);
    if (auth) text = auth[1]! + (auth[2] ? ' <masked>' : '');
  }
  text = text.replace(/[\r\n]+/g, '\\r\\n');
  return text.length > MAX ? `${text.slice(0, MAX)}... (${data.length} bytes)` : text;
}
