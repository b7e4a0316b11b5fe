import type { TlsConnection } from '../../lib/tls/connection.ts';

/** Moves bytes between two TLS engines in memory until neither has anything to send (bounded). */
export function pumpEngines(a: TlsConnection, b: TlsConnection): void {
  for (let i = 0; i < 100; i++) {
    const x = a.takeOutput();
    if (x) b.receive(x);
    const y = b.takeOutput();
    if (y) a.receive(y);
    if (!x && !y) return;
  }
  throw new Error('the two TLS engines did not settle');
}
