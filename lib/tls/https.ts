/**
 * HTTPS for lib/http's client: `httpsConnector` is its `secure` option. It
 * offers ALPN `http/1.1`, checks the certificate against the host name,
 * and keeps the latest session ticket per host to resume the next
 * connection.
 */
import type { Flow } from '../devices/flow.ts';
import type { TlsClientOptions, TlsSession } from './config.ts';
import { tlsClient } from './flow.ts';

export type HttpsConnectorOptions = Omit<TlsClientOptions, 'serverName' | 'session' | 'onSession'>;

/** Hosts whose sessions are kept, at most. */
const MAX_SESSIONS = 64;

export function httpsConnector(options: HttpsConnectorOptions): (flow: Flow, host: string) => Promise<Flow> {
  const sessions = new Map<string, TlsSession>();
  return (flow, host) =>
    tlsClient(flow, {
      alpnProtocols: ['http/1.1'],
      ...options,
      serverName: host,
      session: sessions.get(host) ?? null,
      onSession: (s) => {
        sessions.delete(host);
        if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
        sessions.set(host, s);
      },
    });
}
