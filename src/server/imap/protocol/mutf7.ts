// Modified UTF-7 (RFC 3501 §5.1.3) for mailbox names on the wire when UTF8=ACCEPT is not enabled.
// "&" is "&-"; other non-printable-ASCII runs are base64 of UTF-16BE with "," for "/", closed by "-".

export function encodeMutf7(name: string): string {
  let out = '';
  let run: number[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const bytes = Buffer.alloc(run.length * 2);
    run.forEach((u, i) => bytes.writeUInt16BE(u, i * 2));
    out += '&' + bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    run = [];
  };
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) {
      flush();
      out += c === 0x26 ? '&-' : name[i];
    } else {
      run.push(c);
    }
  }
  flush();
  return out;
}

/** Decodes modified UTF-7; returns undefined when the input is not valid (the caller answers BAD/NO). */
export function decodeMutf7(text: string): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c > 0x7e) return undefined;
    if (ch !== '&') {
      out += ch;
      continue;
    }
    const end = text.indexOf('-', i + 1);
    if (end < 0) return undefined;
    const b64 = text.slice(i + 1, end);
    i = end;
    if (b64 === '') {
      out += '&';
      continue;
    }
    if (!/^[A-Za-z0-9+,]+$/.test(b64)) return undefined;
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0 || bytes.length === 0) return undefined;
    let decoded = '';
    for (let j = 0; j < bytes.length; j += 2) decoded += String.fromCharCode(bytes.readUInt16BE(j));
    // Printable ASCII must not be encoded (RFC 3501 §5.1.3), which also keeps the mapping one-to-one.
    if (/[\x20-\x7e]/.test(decoded)) return undefined;
    out += decoded;
  }
  return out;
}
