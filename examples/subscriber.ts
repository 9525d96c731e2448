/**
 * An AE that subscribes to a container and prints the notifications it receives over its own
 * WebSocket connection (the CSE sends them as requests on the connection the AE opened).
 *
 *   npm start                                     # in one terminal: the reference CSE
 *   npx tsx examples/subscriber.ts --count 3      # creates 3 contentInstances, prints 3 notifications
 */
import { Registree, primitives } from '../src/index.js';
import { flags, rqi, show } from './common.js';

type Request = primitives.RequestPrimitive;

const options = flags({ count: { type: 'string', default: '3' } });
const count = Number(options.count ?? 3);
const cse = 'cse-in';
let received = 0;
let allReceived!: () => void;
const done = new Promise<void>((resolve) => (allReceived = resolve));

const ae = new Registree({
  url: options.url,
  serializations: [options.format],
  proxy: null,
  // Notifications (and the subscription's verification request) arrive here.
  handler: (request: primitives.RequestPrimitive): primitives.ResponsePrimitive => {
    const sgn = request.pc?.['m2m:sgn'] as { vrq?: boolean; sud?: boolean; nev?: { net?: number; rep?: Record<string, { con?: unknown }> } } | undefined;
    if (sgn?.vrq === true) {
      console.log('← verification request (answered 2000)');
    } else if (sgn?.sud === true) {
      console.log('← the subscription was deleted');
    } else {
      const cin = sgn?.nev?.rep?.['m2m:cin'];
      console.log(`← notification #${++received}: net=${sgn?.nev?.net} con=${JSON.stringify(cin?.con)}`);
      if (received === count) allReceived();
    }
    return { rsc: 2000, rqi: request.rqi };
  },
});

try {
  const register: Request = { op: 1, to: cse, fr: 'C', rqi: rqi(), rvi: '3', ty: 2, pc: { 'm2m:ae': { rn: `subscriber-${process.pid}`, api: 'Nsubscriber', rr: true, srv: ['3'] } } };
  const registered = show('register', register, await ae.send(register), [2001]);
  const { aei, rn } = registered.pc?.['m2m:ae'] as { aei: string; rn: string };
  const base = `${cse}/${rn}`;
  const container: Request = { op: 1, to: base, fr: aei, rqi: rqi(), rvi: '3', ty: 3, pc: { 'm2m:cnt': { rn: 'data' } } };
  show('create container', container, await ae.send(container), [2001]);
  // nu = our own AE-ID: the CSE delivers over this connection (or buffers while we are away).
  const subscribe: Request = { op: 1, to: `${base}/data`, fr: aei, rqi: rqi(), rvi: '3', ty: 23, pc: { 'm2m:sub': { rn: 'sub', nu: [aei], enc: { net: [3] } } } };
  show('subscribe', subscribe, await ae.send(subscribe), [2001]);
  for (let i = 1; i <= count; i++) {
    const cin: Request = { op: 1, to: `${base}/data`, fr: aei, rqi: rqi(), rvi: '3', ty: 4, pc: { 'm2m:cin': { con: `reading ${i}`, cnf: 'text/plain:0' } } };
    show(`create contentInstance ${i}`, cin, await ae.send(cin), [2001]);
  }
  const timeout = setTimeout(() => {
    console.error(`only ${received} of ${count} notifications arrived`);
    process.exit(1);
  }, 10_000);
  await done;
  clearTimeout(timeout);
  const deregister: Request = { op: 4, to: base, fr: aei, rqi: rqi(), rvi: '3' };
  show('de-register', deregister, await ae.send(deregister), [2002]);
} finally {
  await ae.close();
}
