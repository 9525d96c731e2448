/**
 * TLS-PSK: TS-0003's Provisioned Symmetric Key Security Association Establishment Framework
 * (clause 8.2.2.1) over `node:tls`. Both ends hold a key `Kpsa` under an identity `KpsaId`; the
 * TLS handshake proves each side knows the key, with no certificates involved.
 *
 * Pass `pskServerOptions(...)` as the engine server's `tls` option and `pskClientOptions(...)` as
 * the client's `tls` option, then connect to a `wss://` URL.
 *
 * Versions and suites (checked on Node 20 / OpenSSL 3.0, see docs/proxy-and-tls.md):
 * - TLS 1.3 is negotiated when both ends allow it: Node hands the key to OpenSSL's TLS 1.2-style
 *   PSK callbacks, which OpenSSL maps to a TLS 1.3 external PSK tied to SHA-256, so only the
 *   SHA-256 suites work (TLS_AES_256_GCM_SHA384 does not). The key exchange is PSK with (EC)DHE,
 *   so sessions have forward secrecy.
 * - TLS 1.2 needs a PSK cipher suite, which Node's default list excludes, hence `ciphers`. The
 *   list ends with the two suites TS-0013's PSK interop test provisions
 *   (TLS_PSK_WITH_AES_128_CBC_SHA256, TLS_PSK_WITH_AES_128_CCM_8) for older peers.
 */
import type { Socket } from 'node:net';
import type { ConnectionOptions, PeerCertificate, TLSSocket, TlsOptions } from 'node:tls';

/** OpenSSL cipher list for PSK: TLS 1.3 (SHA-256 suites), then TLS 1.2 PSK suites, forward-secret first. */
export const PSK_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-PSK-CHACHA20-POLY1305',
  'PSK-AES128-GCM-SHA256',
  'PSK-AES256-GCM-SHA384',
  'PSK-CHACHA20-POLY1305',
  'PSK-AES128-CBC-SHA256',
  'PSK-AES128-CCM8',
].join(':');

/** The identity each server-side socket authenticated with, recorded by the server's pskCallback. */
const identities = new WeakMap<Socket, string>();

/**
 * TLS server options that accept the identities in `keys` (identity → key). The map is consulted
 * on every handshake, so keys may be added or revoked while the server runs. `hint` is the
 * identity hint a TLS 1.2 server sends (TLS 1.3 has none).
 *
 * Spread and override to restrict: `{ ...pskServerOptions(keys), maxVersion: 'TLSv1.2' }`. To
 * serve certificate clients on the same listener too, add `cert`/`key` and append their suites
 * to `ciphers`.
 */
export function pskServerOptions(keys: ReadonlyMap<string, Buffer>, hint?: string): TlsOptions {
  return {
    ciphers: PSK_CIPHERS,
    ...(hint !== undefined ? { pskIdentityHint: hint } : {}),
    pskCallback: (socket: TLSSocket, identity: string): Buffer | null => {
      const key = keys.get(identity);
      if (key === undefined) return null; // unknown identity: the handshake fails
      identities.set(socket, identity);
      return key;
    },
  };
}

/**
 * TLS client options that authenticate with `identity` and `key`, for `connect(wssUrl, { tls })`.
 *
 * There is no server certificate to check, so the host name check is replaced by one that refuses
 * any certificate: a server that answers with a certificate instead of the PSK (a TLS 1.3 server
 * may) has not proved it knows the key, whatever CA signed its certificate.
 */
export function pskClientOptions(identity: string, key: Buffer): ConnectionOptions {
  if (identity.length === 0) throw new TypeError('A PSK identity must not be empty');
  if (key.length === 0) throw new TypeError('A PSK key must not be empty');
  return {
    ciphers: PSK_CIPHERS,
    pskCallback: () => ({ identity, psk: key }),
    checkServerIdentity: (_host: string, certificate: PeerCertificate) =>
      certificate?.raw === undefined ? undefined : new Error('The server authenticated with a certificate, not the pre-shared key'),
  };
}

/**
 * The PSK identity a server-side TLS socket authenticated with (e.g. `request.socket` in the
 * server's `onHandshake` hook), or undefined for a socket that did not use `pskServerOptions`.
 * A TLS 1.3 session resumed from a ticket skips the PSK callback and so reports undefined.
 */
export function pskIdentityOf(socket: Socket): string | undefined {
  return identities.get(socket);
}
