/** The RFC 6455 / RFC 7692 engine: nothing oneM2M-specific. */
export { WebSocket, CONNECTION_DEFAULTS, type ConnectionOptions, type ReadyState, type WebSocketEvents } from './connection.js';
export { connect, parseWebSocketUrl, type ClientOptions, type WebSocketUrl } from './client.js';
export {
  WebSocketServer,
  createServer,
  type HandshakeDecision,
  type HandshakeRequest,
  type ServerEvents,
  type ServerOptions,
} from './server.js';
export { CloseCode, Opcode } from './protocol/frame.js';
export { HandshakeError, DEFAULT_HEAD_LIMITS, type HeadLimits } from './protocol/handshake.js';
export { ProtocolError, WebSocketProtocol, type SendOptions } from './protocol/protocol.js';
export type { DeflateOptions } from './protocol/deflate.js';
