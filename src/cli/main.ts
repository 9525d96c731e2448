#!/usr/bin/env node
/**
 * `onem2m-ws <subcommand>`: the command-line entry point.
 *
 *   echo-server --port P [--host H] [--max-message BYTES] [--deflate]
 *   echo-client URL [--protocol NAME]... [--deflate]
 *   serve        the main job (for now the echo server on 127.0.0.1:8180)
 */
import { parseArgs } from 'node:util';
import { runEchoClient, runEchoServer } from './echo.js';

const USAGE = `usage: onem2m-ws <subcommand> [options]

subcommands:
  serve                       start the main server (for now: the echo server on ws://127.0.0.1:8180)
  echo-server --port P [--host H] [--max-message BYTES] [--deflate] [--quiet]
                              echo every message back (text as text, binary as binary);
                              accepts any or no subprotocol
  echo-client URL [--protocol NAME]... [--deflate] [--quiet]
                              connect and echo every message back until the peer closes
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'echo-server':
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: {
          port: { type: 'string', default: command === 'serve' ? '8180' : undefined },
          host: { type: 'string', default: '127.0.0.1' },
          'max-message': { type: 'string' },
          deflate: { type: 'boolean', default: false },
          quiet: { type: 'boolean', default: false },
        },
      });
      if (values.port === undefined) {
        process.stderr.write('echo-server: --port is required\n' + USAGE);
        return 2;
      }
      await runEchoServer({
        port: parseInteger(values.port, '--port'),
        host: values.host!,
        maxMessageSize: values['max-message'] !== undefined ? parseInteger(values['max-message'], '--max-message') : undefined,
        deflate: values.deflate!,
        quiet: values.quiet!,
      });
      return -1; // keeps running
    }
    case 'echo-client': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          protocol: { type: 'string', multiple: true },
          deflate: { type: 'boolean', default: false },
          quiet: { type: 'boolean', default: false },
        },
      });
      const url = positionals[0];
      if (url === undefined) {
        process.stderr.write('echo-client: URL is required\n' + USAGE);
        return 2;
      }
      return runEchoClient({ url, protocols: values.protocol ?? [], deflate: values.deflate!, quiet: values.quiet! });
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown subcommand: ${command}\n${USAGE}`);
      return 2;
  }
}

function parseInteger(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got ${text}`);
  return n;
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`onem2m-ws: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 2 : 1;
  },
);
