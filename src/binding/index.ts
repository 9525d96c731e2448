/** The TS-0020 binding: what a CSE or an AE embeds. */
export { Endpoint, ENDPOINT_DEFAULTS, isLocalResponse, isRegistration, localResponse, type EndpointOptions, type RequestHandler } from './endpoint.js';
export {
  Registrar,
  certificateName,
  RegistreeConnection,
  type RegistrarEvents,
  type RegistrarHandler,
  type RegistrarOptions,
  type RegistreeKind,
  type RequestContext,
  type SendResult,
} from './registrar.js';
export { Registree, type BackoffOptions, type RegistreeEvents, type RegistreeOptions, type RegistreeState } from './registree.js';
export { Peering, type PeeringOptions } from './peering.js';
export { openTunnel, proxyForUrl, ProxyError } from './proxy.js';
export { pskClientOptions, pskIdentityOf, pskServerOptions } from './psk.js';
export * from './store/index.js';
export * from './subprotocols.js';
export { formatTimestamp, resolveTimestamp } from './time.js';
export { silentLogger, type Logger } from './log.js';
