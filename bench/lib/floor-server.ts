/**
 * The `floor` server of bench/load.ts (`--impl floor`): what the kernel and the event loop cost
 * with next to no JavaScript. Raw `node:net`, a hand-rolled handshake, client frames unmasked
 * and read by scanning for `"rqi":"` (no JSON parse, no validation, no state machine for
 * fragments or control frames beyond what the lean clients send), answers and notifications
 * spliced into JSON templates, one `socket.write` each.
 *
 * It is not a WebSocket server anyone should use: it is the lower bound for any server on the
 * machine of the run. When the floor is not 2x faster than `ws` in a scenario, no server can be,
 * and that scenario's ratio is set by the kernel (one read and one write per message on
 * loopback), not by the engine.
 */
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { field } from './json-scan.js';
import { nextFrame, splitHead } from './raw-frames.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(text: string): Buffer {
  const n = text.length; // ASCII only
  const head = n < 126 ? 2 : 4;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x81;
  if (n < 126) out[1] = n;
  else {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  }
  out.write(text, head, 'latin1');
  return out;
}


export interface FloorServer {
  port: number;
  registered(): number;
  fanout(seq: number, body: (to: string, rqi: string) => string): Promise<{ ok: number; total: number }>;
}

export async function floorServer(): Promise<FloorServer> {
  const byId = new Map<string, Socket>();
  const pending = new Map<string, () => void>();

  function onText(socket: Socket, text: string): void {
    const rqi = field(text, 'rqi') ?? '';
    if (!text.includes('"op":')) {
      const done = pending.get(rqi);
      if (done !== undefined) {
        pending.delete(rqi);
        done();
      }
      return;
    }
    if (text.includes('"ty":2')) {
      const aei = field(text, 'fr') ?? `Cfloor${byId.size}`;
      byId.set(aei, socket);
      socket.once('close', () => byId.delete(aei));
      socket.write(frame(`{"rsc":2001,"rqi":"${rqi}","rvi":"3","pc":{"m2m:ae":{"aei":"${aei}","ri":"${aei}","rn":"${aei}"}}}`));
      return;
    }
    socket.write(frame(`{"rsc":2000,"rqi":"${rqi}","rvi":"3"}`));
  }

  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    let input: Buffer | null = null;
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      let buf = input === null ? chunk : Buffer.concat([input, chunk]);
      input = null;
      if (!upgraded) {
        const split = splitHead(buf);
        if (split === null) {
          input = buf;
          return;
        }
        const key = /sec-websocket-key:\s*(\S+)/i.exec(split.head)?.[1] ?? '';
        const accept = createHash('sha1').update(key + GUID).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: oneM2M.json\r\n\r\n`);
        upgraded = true;
        buf = split.rest;
      }
      let p = 0;
      for (let f = nextFrame(buf, p); f !== null; f = nextFrame(buf, p)) {
        if (f.maskAt >= 0) for (let i = f.start; i < f.end; i++) buf[i]! ^= buf[f.maskAt + ((i - f.start) & 3)]!;
        if (f.opcode === 0x1) onText(socket, buf.toString('latin1', f.start, f.end));
        p = f.end;
      }
      if (p < buf.length) input = buf.subarray(p);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    registered: () => byId.size,
    async fanout(seq, body) {
      let ok = 0;
      let i = 0;
      const waits: Promise<void>[] = [];
      for (const [id, socket] of byId) {
        const rqi = `n${seq}-${i++}`;
        waits.push(new Promise<void>((resolve) => pending.set(rqi, () => { ok++; resolve(); })));
        socket.write(frame(body(id, rqi)));
      }
      await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 60_000))]);
      return { ok, total: byId.size };
    },
  };
}
