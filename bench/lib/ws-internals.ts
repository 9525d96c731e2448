/**
 * `ws`'s internal modules (receiver, sender, validation, buffer-util), which its package
 * `exports` map hides: loaded by absolute path, with just enough typing for the benchmarks.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const wsDir = dirname(require.resolve('ws'));
const load = (name: string): unknown => require(join(wsDir, 'lib', name));

export interface WsReceiverLike {
  write(chunk: Buffer): boolean;
  _write(chunk: Buffer, encoding: string, cb: (err?: Error | null) => void): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
}

export interface WsFrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

export const WsReceiver = load('receiver.js') as new (options: {
  isServer?: boolean;
  maxPayload?: number;
  skipUTF8Validation?: boolean;
}) => WsReceiverLike;

export const WsSender = load('sender.js') as { frame(data: Buffer | string, options: WsFrameOptions): Buffer[] };

export const wsValidation = load('validation.js') as { isValidUTF8(buf: Uint8Array): boolean };

export const wsBufferUtil = load('buffer-util.js') as {
  mask(source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number): void;
  unmask(buffer: Uint8Array, mask: Uint8Array): void;
};

/** `ws`'s version, for the report. */
export const wsVersion = (require(join(wsDir, 'package.json')) as { version: string }).version;
