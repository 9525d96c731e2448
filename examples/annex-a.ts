/**
 * TS-0020 Annex A: an AE registers with a CSE over WebSocket and creates a container.
 *
 *   npm start                                   # in one terminal: the reference CSE
 *   npx tsx examples/annex-a.ts --format xml    # json (default), xml or cbor
 */
import { Registree, type primitives } from '../src/index.js';
import { flags, rqi, show } from './common.js';

type Request = primitives.RequestPrimitive;

const { url, format } = flags();
const cse = 'cse-in';

// The registree is always the WebSocket client; it offers only the chosen serialization.
const ae = new Registree({ url, serializations: [format], proxy: null });

try {
  // Steps 4-14: the registration request (create <AE>, ty 2). `fr` "C" asks the CSE for an AE-ID.
  const register: Request = { op: 1, to: cse, fr: 'C', rqi: rqi('reg'), rvi: '3', ty: 2, pc: { 'm2m:ae': { rn: `annexA-${format}-${process.pid}`, api: 'Nannex-a', rr: true, srv: ['3'] } } };
  const registered = show('1. register the AE', register, await ae.send(register), [2001]);
  const aei = (registered.pc?.['m2m:ae'] as { aei: string }).aei;
  const aeName = (registered.pc?.['m2m:ae'] as { rn: string }).rn;
  console.log(`   registered as ${aei} (connection: ${ae.connection?.ws.protocol})`);

  // Step 15: any other request over the same connection: create a <container> under the AE.
  const container: Request = { op: 1, to: `${cse}/${aeName}`, fr: aei, rqi: rqi('cnt'), rvi: '3', ty: 3, pc: { 'm2m:cnt': { rn: 'cont1', mni: 10 } } };
  show('2. create a container', container, await ae.send(container), [2001]);

  const retrieve: Request = { op: 2, to: `${cse}/${aeName}/cont1`, fr: aei, rqi: rqi('get'), rvi: '3' };
  show('3. retrieve it', retrieve, await ae.send(retrieve), [2000]);

  // Clean up: de-register (deleting the <AE> deletes its children too).
  const remove: Request = { op: 4, to: `${cse}/${aeName}`, fr: aei, rqi: rqi('del'), rvi: '3' };
  show('4. de-register', remove, await ae.send(remove), [2002]);
} finally {
  await ae.close();
}
