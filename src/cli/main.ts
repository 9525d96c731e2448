#!/usr/bin/env node
/**
 * `onem2m-ws <subcommand>`: the command-line entry point. Each subcommand lives in its own
 * module; this file only parses arguments and maps failures to exit statuses
 * (0 success, 1 failure, 2 usage).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Serialization } from '../primitives/index.js';
import { runEchoClient, runEchoServer } from './echo.js';
import { runInteractive } from './interactive.js';
import { createLogger, type LogLevel } from './log.js';
import { InputError } from './primitive-input.js';
import { runSend } from './send.js';
import { runServe } from './serve.js';

const USAGE = `usage: onem2m-ws <subcommand> [options]

  serve [--host H] [--port P] [--cse-id ID] [--cse-name NAME] [--data-dir DIR | --in-memory]
        [--tls-port P --cert FILE --key FILE [--ca FILE] [--require-client-cert]]
        [--psk IDENTITY:HEXKEY]... [--registrar URL] [--originator-trust claimed|tls]
        [--no-deflate] [--log-level LEVEL]
        Start the reference CSE (default: IN-CSE /id-in, cse-in, on ws://127.0.0.1:8180).
        --originator-trust tls: only a TLS client identity (certificate CN or PSK identity)
        associates a reopened connection; X-M2M-Origin and fr are not trusted.

  send URL PRIMITIVE [--format json|xml|cbor] [--from ORIGINATOR] [--timeout MS] [--release2]
        Send one request primitive (JSON text, @file, or - for stdin) and print the response
        as JSON. Exit status 0 for a 1xxx/2xxx response, 1 otherwise.

  connect URL [--format json|xml|cbor] [--from ORIGINATOR] [--register APP-ID [--register-to TARGET]]
        A live connection: one JSON request primitive per input line, responses and incoming
        notifications printed as they come.

  echo-server --port P [--host H] [--max-message BYTES] [--deflate]
        Echo every message (text as text, binary as binary); any or no subprotocol.

  echo-client URL [--protocol NAME]... [--deflate]
        Connect and echo every message back until the peer closes.

common options: --log-level debug|info|warn|error|silent, and for wss clients
  --ca FILE, --cert FILE, --key FILE, --insecure (no server certificate check)
`;

const LOG_LEVELS = new Set<LogLevel>(['debug', 'info', 'warn', 'error', 'silent']);
const FORMATS = new Set<Serialization>(['json', 'xml', 'cbor']);

class UsageError extends Error {}

const common = {
  'log-level': { type: 'string' },
  quiet: { type: 'boolean', default: false },
} as const;

const tlsClient = {
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  insecure: { type: 'boolean', default: false },
} as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args,
        options: {
          ...common,
          host: { type: 'string' },
          port: { type: 'string' },
          'cse-id': { type: 'string' },
          'cse-name': { type: 'string' },
          'data-dir': { type: 'string' },
          'in-memory': { type: 'boolean', default: false },
          'tls-port': { type: 'string' },
          cert: { type: 'string' },
          key: { type: 'string' },
          ca: { type: 'string' },
          'require-client-cert': { type: 'boolean', default: false },
          psk: { type: 'string', multiple: true },
          registrar: { type: 'string' },
          'originator-trust': { type: 'string' },
          'no-deflate': { type: 'boolean', default: false },
        },
      });
      const tlsPort = optionalInteger(values['tls-port'], '--tls-port');
      if ((tlsPort !== undefined) !== (values.cert !== undefined && values.key !== undefined)) {
        throw new UsageError('--tls-port, --cert and --key go together (--psk adds TLS-PSK to that listener)');
      }
      return runServe({
        host: values.host,
        port: optionalInteger(values.port, '--port'),
        cseId: values['cse-id'],
        cseName: values['cse-name'],
        dataDir: values['in-memory'] ? null : values['data-dir'],
        tlsPort,
        cert: readOptional(values.cert),
        key: readOptional(values.key),
        ca: readOptional(values.ca),
        requireClientCert: values['require-client-cert']!,
        psk: parsePsk(values.psk ?? []),
        registrarUrl: values.registrar,
        originatorTrust: trust(values['originator-trust']),
        deflate: !values['no-deflate'],
        logger: createLogger(logLevel(values['log-level'], values.quiet!)),
      });
    }
    case 'send': {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
          ...common,
          ...tlsClient,
          format: { type: 'string', default: 'json' },
          from: { type: 'string' },
          timeout: { type: 'string', default: '10000' },
          release2: { type: 'boolean', default: false },
          deflate: { type: 'boolean', default: false },
        },
      });
      const [url, primitive] = positionals;
      if (url === undefined || primitive === undefined) throw new UsageError('send needs URL and PRIMITIVE');
      return runSend({
        url,
        primitive,
        format: format(values.format!),
        from: values.from,
        release2: values.release2!,
        timeout: optionalInteger(values.timeout, '--timeout')!,
        deflate: values.deflate!,
        insecure: values.insecure!,
        ca: readOptional(values.ca),
        cert: readOptional(values.cert),
        key: readOptional(values.key),
        logger: createLogger(logLevel(values['log-level'], true)),
        out: (text) => process.stdout.write(text),
      });
    }
    case 'connect': {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
          ...common,
          ...tlsClient,
          format: { type: 'string', default: 'json' },
          from: { type: 'string' },
          register: { type: 'string' },
          'register-to': { type: 'string' },
          deflate: { type: 'boolean', default: false },
        },
      });
      const [url] = positionals;
      if (url === undefined) throw new UsageError('connect needs URL');
      return runInteractive({
        url,
        format: format(values.format!),
        from: values.from,
        register: values.register,
        registerTo: values['register-to'],
        deflate: values.deflate!,
        insecure: values.insecure!,
        ca: readOptional(values.ca),
        cert: readOptional(values.cert),
        key: readOptional(values.key),
        logger: createLogger(logLevel(values['log-level'], values.quiet!)),
        input: process.stdin,
        out: (text) => process.stdout.write(text),
      });
    }
    case 'echo-server': {
      const { values } = parseArgs({
        args,
        options: {
          ...common,
          port: { type: 'string' },
          host: { type: 'string', default: '127.0.0.1' },
          'max-message': { type: 'string' },
          deflate: { type: 'boolean', default: false },
        },
      });
      const port = optionalInteger(values.port, '--port');
      if (port === undefined) throw new UsageError('echo-server needs --port');
      await runEchoServer({
        port,
        host: values.host!,
        maxMessageSize: optionalInteger(values['max-message'], '--max-message'),
        deflate: values.deflate!,
        logger: createLogger(logLevel(values['log-level'], values.quiet!)),
      });
      return -1; // keeps running until a signal
    }
    case 'echo-client': {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { ...common, protocol: { type: 'string', multiple: true }, deflate: { type: 'boolean', default: false } },
      });
      const [url] = positionals;
      if (url === undefined) throw new UsageError('echo-client needs URL');
      return runEchoClient({ url, protocols: values.protocol ?? [], deflate: values.deflate!, logger: createLogger(logLevel(values['log-level'], values.quiet!)) });
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    case undefined:
      process.stderr.write(USAGE);
      return 2;
    default:
      throw new UsageError(`unknown subcommand: ${command}`);
  }
}

function optionalInteger(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got ${text}`);
  return n;
}

function trust(text: string | undefined): 'claimed' | 'tls' | undefined {
  if (text === undefined || text === 'claimed' || text === 'tls') return text;
  throw new UsageError(`--originator-trust must be claimed or tls, got ${text}`);
}

function format(text: string): Serialization {
  if (!FORMATS.has(text as Serialization)) throw new UsageError(`--format must be json, xml or cbor, got ${text}`);
  return text as Serialization;
}

function logLevel(text: string | undefined, quiet: boolean): LogLevel {
  if (text === undefined) return quiet ? 'warn' : 'info';
  if (!LOG_LEVELS.has(text as LogLevel)) throw new UsageError(`--log-level must be one of ${[...LOG_LEVELS].join(', ')}`);
  return text as LogLevel;
}

function readOptional(path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** `IDENTITY:HEXKEY` pairs for TLS-PSK. */
function parsePsk(entries: string[]): Map<string, Buffer> | undefined {
  if (entries.length === 0) return undefined;
  const keys = new Map<string, Buffer>();
  for (const entry of entries) {
    const colon = entry.lastIndexOf(':');
    const hex = entry.slice(colon + 1);
    if (colon <= 0 || hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) throw new UsageError(`--psk must be IDENTITY:HEXKEY, got ${entry}`);
    keys.set(entry.slice(0, colon), Buffer.from(hex, 'hex'));
  }
  return keys;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    process.stderr.write(`onem2m-ws: ${err instanceof Error ? err.message : String(err)}\n${usage ? 'run "onem2m-ws help" for usage\n' : ''}`);
    process.exitCode = usage ? 2 : err instanceof InputError ? 2 : 1;
  },
);
