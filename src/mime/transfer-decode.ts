// Content-Transfer-Encoding and charset decoding of part bodies, for BINARY[] (RFC 3516) and SEARCH BODY/TEXT.
// Lenient like the readers mail is written for: stray characters in base64 are skipped, malformed
// quoted-printable escapes are kept literally, unknown charsets fall back to UTF-8.
import iconv from 'iconv-lite';

const HEX = /^[0-9A-Fa-f]{2}$/;

export function decodeBase64(data: Buffer): Buffer {
  return Buffer.from(data.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
}

export function decodeQuotedPrintable(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  let o = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c !== 0x3d) {
      out[o++] = c;
      continue;
    }
    // soft line break: "=" then optional whitespace then CRLF or LF
    let j = i + 1;
    while (j < data.length && (data[j] === 0x20 || data[j] === 0x09)) j++;
    if (data[j] === 0x0d && data[j + 1] === 0x0a) {
      i = j + 1;
      continue;
    }
    if (data[j] === 0x0a) {
      i = j;
      continue;
    }
    if (j === data.length) {
      i = j;
      continue;
    }
    const hex = data.toString('latin1', i + 1, i + 3);
    if (HEX.test(hex)) {
      out[o++] = parseInt(hex, 16);
      i += 2;
    } else out[o++] = c;
  }
  return out.subarray(0, o);
}

/** Transfer encodings we can undo; the others answer NO [UNKNOWN-CTE] to BINARY. */
export function isKnownEncoding(encoding: string): boolean {
  return ['7bit', '8bit', 'binary', 'base64', 'quoted-printable', ''].includes(encoding.trim().toLowerCase());
}

/** Undoes the transfer encoding; identity encodings and unknown ones return the bytes unchanged. */
export function decodeTransfer(data: Buffer, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return decodeBase64(data);
    case 'quoted-printable':
      return decodeQuotedPrintable(data);
    default:
      return data;
  }
}

/** Bytes in a declared charset to text; unknown or missing charsets are read as UTF-8. */
export function decodeCharset(data: Buffer, charset: string | undefined): string {
  const cs = (charset ?? '').trim().toLowerCase();
  if (cs === '' || cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' || cs === 'ascii') return data.toString('utf8');
  try {
    if (iconv.encodingExists(cs)) return iconv.decode(data, cs);
  } catch {
    // fall through to UTF-8
  }
  return data.toString('utf8');
}
