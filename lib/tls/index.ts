/** TLS 1.3 for Kiln: the sans-I/O engine, X.509, and Flows over it. See README.md. */
export { TlsError, ALERTS, type AlertName, type TlsErrorCode } from './alert.ts';
export type { CryptoProvider, PrivateKey, PublicKey, KeyExchangeGroup, SignatureAlgorithm, AeadAlgorithm, HashAlgorithm } from './crypto-provider.ts';
export type { TlsServerOptions, TlsClientOptions, TlsSession, CertifiedKey } from './config.ts';
export { TlsConnection, type HandshakeResult } from './connection.ts';
export { TlsServerContext } from './server-handshake.ts';
export { tlsClientConnection } from './client-handshake.ts';
export { CIPHER_SUITES, type CipherSuiteName } from './suites.ts';
export { parseCertificate, parseCertificatesPem, type Certificate } from './x509/certificate.ts';
export { parsePrivateKeyPem, parsePrivateKeyDer } from './x509/keys.ts';
export { verifyCertificateChain, hostnameMatches } from './x509/verify.ts';
export { DerError } from './x509/der.ts';
export { TlsFlow, TlsListener, tlsServer, tlsClient, tlsConnect, type TlsServerListenerOptions } from './flow.ts';
export { httpsConnector, type HttpsConnectorOptions } from './https.ts';
export { platformCrypto } from './platform-crypto.ts';
export { nobleCryptoProvider } from './noble-crypto.ts';
export { decodeBase64 } from './x509/pem.ts';
