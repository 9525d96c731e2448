/**
 * Clause 5.2's topology: an MN-CSE registered with an IN-CSE, an AE under the MN-CSE, and a
 * notification from a resource on the IN-CSE that reaches the AE through the MN-CSE.
 *
 *   npm start                          # in one terminal: the IN-CSE (/id-in, cse-in) on :8180
 *   npx tsx examples/mn-cse.ts         # starts an MN-CSE in this process on :8181 and runs the flow
 *
 * Everything travels over WebSocket: AE ⇄ MN-CSE on Mca, MN-CSE ⇄ IN-CSE on Mcc (one connection,
 * opened by the MN-CSE as the registree, carrying requests both ways).
 */
import { Registree, type primitives } from '../src/index.js';
import { startCse } from '../src/cse/index.js';
import { flags, rqi, show } from './common.js';

type Request = primitives.RequestPrimitive;

const options = flags({ 'mn-port': { type: 'string', default: '8181' } });
const inUrl = options.url;

// 1. The MN-CSE: a registrar for its AEs and, at the same time, a registree of the IN-CSE.
const mn = await startCse({ cseId: '/id-mn', cseName: 'cse-mn', port: Number(options['mn-port']), registrarUrl: inUrl, dataDir: null });
console.log(`MN-CSE /id-mn listening on ${mn.urls.join(', ')}, registered with ${inUrl}`);

let notified!: (con: unknown) => void;
const notification = new Promise<unknown>((resolve) => (notified = resolve));

// 2. An AE under the MN-CSE, receiving notifications over its connection to the MN-CSE.
const ae = new Registree({
  url: mn.urls[0]!,
  serializations: [options.format],
  proxy: null,
  handler: (request) => {
    const sgn = request.pc?.['m2m:sgn'] as { vrq?: boolean; nev?: { rep?: Record<string, { con?: unknown }> } } | undefined;
    if (sgn?.nev !== undefined) {
      console.log(`← notification to ${request.to} from ${request.fr}`);
      notified(sgn.nev.rep?.['m2m:cin']?.con);
    }
    return { rsc: 2000, rqi: request.rqi };
  },
});
// 3. An AE registered directly with the IN-CSE that writes the data.
const writer = new Registree({ url: inUrl, serializations: [options.format], proxy: null });

try {
  const register: Request = { op: 1, to: 'cse-mn', fr: 'C', rqi: rqi(), rvi: '3', ty: 2, pc: { 'm2m:ae': { rn: `mn-ae-${process.pid}`, api: 'Nmn-ae', rr: true, srv: ['3'] } } };
  const aei = (show('AE registers with the MN-CSE', register, await ae.send(register), [2001]).pc?.['m2m:ae'] as { aei: string }).aei;

  const registerWriter: Request = { op: 1, to: 'cse-in', fr: 'C', rqi: rqi(), rvi: '3', ty: 2, pc: { 'm2m:ae': { rn: `writer-${process.pid}`, api: 'Nwriter', rr: false, srv: ['3'] } } };
  const writerAe = show('writer AE registers with the IN-CSE', registerWriter, await writer.send(registerWriter), [2001]).pc?.['m2m:ae'] as { aei: string; rn: string };
  const container: Request = { op: 1, to: `cse-in/${writerAe.rn}`, fr: writerAe.aei, rqi: rqi(), rvi: '3', ty: 3, pc: { 'm2m:cnt': { rn: 'readings' } } };
  show('writer creates a container on the IN-CSE', container, await writer.send(container), [2001]);
  const grant: Request = {
    op: 1,
    to: `cse-in/${writerAe.rn}/readings`,
    fr: writerAe.aei,
    rqi: rqi(),
    rvi: '3',
    ty: 23,
    // The subscription is made by the owner, with the remote AE's SP-relative ID as the target.
    pc: { 'm2m:sub': { rn: 'to-mn-ae', nu: [`/id-mn/${aei}`], enc: { net: [3] } } },
  };
  show('subscribe the MN-side AE (nu = /id-mn/<aei>)', grant, await writer.send(grant), [2001]);

  const cin: Request = { op: 1, to: `cse-in/${writerAe.rn}/readings`, fr: writerAe.aei, rqi: rqi(), rvi: '3', ty: 4, pc: { 'm2m:cin': { con: '21.5 C' } } };
  show('writer creates a contentInstance on the IN-CSE', cin, await writer.send(cin), [2001]);

  const timer = setTimeout(() => {
    console.error('no notification reached the AE under the MN-CSE');
    process.exit(1);
  }, 10_000);
  console.log(`AE under the MN-CSE received: ${JSON.stringify(await notification)}`);
  clearTimeout(timer);

  const cleanup: Request = { op: 4, to: `cse-in/${writerAe.rn}`, fr: writerAe.aei, rqi: rqi(), rvi: '3' };
  show('writer de-registers', cleanup, await writer.send(cleanup), [2002]);
} finally {
  await ae.close();
  await writer.close();
  await mn.close();
}
