// RFC 4978 §3 COMPRESS mechanism: "COMPRESS" SP "DEFLATE". Valid after login (command-auth). The tagged OK goes
// out uncompressed; from the byte after its CRLF both directions are raw DEFLATE (session/compress.ts), over
// TLS when TLS is on (STARTTLS is only possible before login, so TLS is always the outer layer).
import { bad, no, ok } from '../errors.js';
import { CompressedInputError, DeflateTransport } from '../session/compress.js';
import { AUTH, type CommandSpec } from './types.js';

export const compress: CommandSpec = {
  name: 'COMPRESS',
  states: AUTH,
  async run({ p, session }) {
    p.sp();
    const mechanism = p.keyword();
    p.end();
    // Restarting the compressor under a client that is already inflating would desynchronise it. RFC 4978 §3
    // lists BAD for "COMPRESS already active" and NO [COMPRESSIONACTIVE] for compression by another layer;
    // Dovecot answers NO [COMPRESSIONACTIVE] here too, which names the reason, and so do we.
    if (session.transport instanceof DeflateTransport) return no('DEFLATE is already active', 'COMPRESSIONACTIVE');
    if (mechanism !== 'DEFLATE') return bad('Unknown compression mechanism');
    session.afterCompletion = () =>
      session.wrapTransport((inner) => {
        const transport = new DeflateTransport(inner);
        transport.on('error', (err: Error) => {
          if (err instanceof CompressedInputError) session.log.info('closing connection: invalid compressed input', { err: err.zlibError.message });
        });
        session.log.debug('COMPRESS=DEFLATE active');
        return transport;
      });
    return ok('DEFLATE active');
  },
};
