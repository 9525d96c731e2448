/** What the CSE's modules share: identity, the tree, the binding, notification and forwarding. */
import type { Logger, Registrar } from '../binding/index.js';
import type { Forwarder } from './forwarding.js';
import type { Notifier } from './notifications.js';
import type { ResourceTree } from './tree.js';

export interface CseContext {
  readonly cseId: string;
  readonly cseName: string;
  /** 1 IN-CSE, 2 MN-CSE. */
  readonly cseType: number;
  readonly adminOriginator: string;
  readonly tree: ResourceTree;
  readonly registrar: Registrar;
  readonly notifier: Notifier;
  readonly forwarder: Forwarder;
  readonly log: Logger;
  /** Our ws:// and wss:// URIs (known once listening). */
  pointOfAccess: string[];
  /** A fresh `rqi` for requests this CSE originates. */
  nextRequestId(): string;
}
