/**
 * TS-0020 subprotocols (clauses 6.2.2.7, 6.2.2.9, 6.2.3.5): which serialization a connection
 * speaks, and in which WebSocket frame type it travels (table 6.2.2.9-1).
 *
 *   oneM2M.json  JSON, text frames      oneM2M.R2.0.json  (Release 2 name)
 *   oneM2M.xml   XML,  text frames      oneM2M.R2.0.xml
 *   oneM2M.cbor  CBOR, binary frames    oneM2M.R2.0.cbor
 *
 * Names are matched in any letter case (Release-2 peers wrote `oneM2M.R2.0.JSON`); the server
 * echoes the client's exact token back, as RFC 6455 requires.
 */
import type { Serialization } from '../primitives/index.js';

export type { Serialization };

/** The names we speak, most preferred first, as a client offers them by default. */
export const SUBPROTOCOLS: readonly string[] = ['oneM2M.json', 'oneM2M.cbor', 'oneM2M.xml'];

/** The Release-2 names (accepted by the server; a client may offer them for an old server). */
export const RELEASE2_SUBPROTOCOLS: readonly string[] = ['oneM2M.R2.0.json', 'oneM2M.R2.0.cbor', 'oneM2M.R2.0.xml'];

export const ALL_SERIALIZATIONS: readonly Serialization[] = ['json', 'cbor', 'xml'];

const BY_LOWER_NAME = new Map<string, Serialization>([
  ['onem2m.json', 'json'],
  ['onem2m.xml', 'xml'],
  ['onem2m.cbor', 'cbor'],
  ['onem2m.r2.0.json', 'json'],
  ['onem2m.r2.0.xml', 'xml'],
  ['onem2m.r2.0.cbor', 'cbor'],
]);

/** The serialization a subprotocol name stands for, or undefined for a name we do not know. */
export function serializationOf(subprotocol: string): Serialization | undefined {
  return BY_LOWER_NAME.get(subprotocol.toLowerCase());
}

/** True for the Release-2 names, whose peers may want wrapped JSON (`{"m2m:rqp": ...}`). */
export function isRelease2(subprotocol: string): boolean {
  return subprotocol.toLowerCase().startsWith('onem2m.r2.0.');
}

/** JSON and XML travel in text frames, CBOR in binary frames. */
export function isBinarySerialization(serialization: Serialization): boolean {
  return serialization === 'cbor';
}

/**
 * The server's choice: the client's most preferred name whose serialization the server
 * supports. Returns the client's exact token, or undefined when none is acceptable.
 */
export function selectSubprotocol(offered: readonly string[], supported: readonly Serialization[] = ALL_SERIALIZATIONS): string | undefined {
  for (const name of offered) {
    const serialization = serializationOf(name);
    if (serialization !== undefined && supported.includes(serialization)) return name;
  }
  return undefined;
}

/** The subprotocol names a server with these serializations accepts (for a 400 body). */
export function supportedNames(supported: readonly Serialization[] = ALL_SERIALIZATIONS): string[] {
  const names: string[] = [];
  for (const s of supported) names.push(`oneM2M.${s}`);
  for (const s of supported) names.push(`oneM2M.R2.0.${s}`);
  return names;
}

/** The names a client offers for the given serializations, in that order. */
export function offerFor(serializations: readonly Serialization[], release2 = false): string[] {
  return serializations.map((s) => (release2 ? `oneM2M.R2.0.${s}` : `oneM2M.${s}`));
}
