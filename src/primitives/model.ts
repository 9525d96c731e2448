/**
 * The typed model of oneM2M primitives (TS-0004 §6.4, §7.2.1; reference docs §1, §2, §6, §7).
 *
 * The model *is* the JSON tree of TS-0004 §8.4: short names as keys, enumerations as numbers,
 * lists as arrays. Decoding any of the three serializations yields this same shape, so a
 * primitive decoded from XML or CBOR is deep-equal to the one decoded from JSON.
 *
 * Every interface ends in an index signature of `unknown`: parameters and attributes we do
 * not know (later releases, vendor extensions) are kept, not dropped.
 */

/** Any value of the JSON data model. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject { [member: string]: JsonValue }

// ---------------------------------------------------------------------------------------------
// Enumerations (const objects + types, not TS enums: the wire carries plain numbers)

export const Operation = { CREATE: 1, RETRIEVE: 2, UPDATE: 3, DELETE: 4, NOTIFY: 5 } as const;
export type Operation = (typeof Operation)[keyof typeof Operation];

export const ResourceType = {
  ACCESS_CONTROL_POLICY: 1,
  AE: 2,
  CONTAINER: 3,
  CONTENT_INSTANCE: 4,
  CSE_BASE: 5,
  DELIVERY: 6,
  EVENT_CONFIG: 7,
  EXEC_INSTANCE: 8,
  GROUP: 9,
  LOCATION_POLICY: 10,
  M2M_SERVICE_SUBSCRIPTION_PROFILE: 11,
  MGMT_CMD: 12,
  MGMT_OBJ: 13,
  NODE: 14,
  POLLING_CHANNEL: 15,
  REMOTE_CSE: 16,
  REQUEST: 17,
  SCHEDULE: 18,
  SERVICE_SUBSCRIBED_APP_RULE: 19,
  SERVICE_SUBSCRIBED_NODE: 20,
  STATS_COLLECT: 21,
  STATS_CONFIG: 22,
  SUBSCRIPTION: 23,
  SEMANTIC_DESCRIPTOR: 24,
  NOTIFICATION_TARGET_MGMT_POLICY_REF: 25,
  NOTIFICATION_TARGET_POLICY: 26,
  POLICY_DELETION_RULES: 27,
  FLEX_CONTAINER: 28,
  TIME_SERIES: 29,
  TIME_SERIES_INSTANCE: 30,
  ROLE: 31,
  TOKEN: 32,
  TRAFFIC_PATTERN: 33,
  DYNAMIC_AUTHORIZATION_CONSULTATION: 34,
  CROSS_RESOURCE_SUBSCRIPTION: 48,
  ACCESS_CONTROL_POLICY_ANNC: 10001,
  AE_ANNC: 10002,
  CONTAINER_ANNC: 10003,
  CONTENT_INSTANCE_ANNC: 10004,
  CSE_BASE_ANNC: 10005,
  REMOTE_CSE_ANNC: 10016,
} as const;
/** Resource types are open-ended (later releases add more), so the field type is `number`. */
export type KnownResourceType = (typeof ResourceType)[keyof typeof ResourceType];

export const ResultContent = {
  NOTHING: 0,
  ATTRIBUTES: 1,
  HIERARCHICAL_ADDRESS: 2,
  HIERARCHICAL_ADDRESS_AND_ATTRIBUTES: 3,
  ATTRIBUTES_AND_CHILD_RESOURCES: 4,
  ATTRIBUTES_AND_CHILD_RESOURCE_REFERENCES: 5,
  CHILD_RESOURCE_REFERENCES: 6,
  ORIGINAL_RESOURCE: 7,
  CHILD_RESOURCES: 8,
  MODIFIED_ATTRIBUTES: 9,
  SEMANTIC_CONTENT: 10,
  /** Release 4+, meaning disputed between ACME sources (reference §1.4). */
  RELEASE4_11: 11,
  RELEASE4_12: 12,
} as const;
export type ResultContent = (typeof ResultContent)[keyof typeof ResultContent];

export const ResponseTypeValue = {
  NON_BLOCKING_REQUEST_SYNCH: 1,
  NON_BLOCKING_REQUEST_ASYNCH: 2,
  BLOCKING_REQUEST: 3,
  FLEX_BLOCKING: 4,
  NO_RESPONSE: 5,
} as const;
export type ResponseTypeValue = (typeof ResponseTypeValue)[keyof typeof ResponseTypeValue];

export const DesiredIdentifierResultType = { STRUCTURED: 1, UNSTRUCTURED: 2 } as const;
export const ContentStatus = { PARTIAL_CONTENT: 1, FULL_CONTENT: 2 } as const;
export const FilterUsage = { DISCOVERY: 1, CONDITIONAL_RETRIEVAL: 2, IPE_ON_DEMAND_DISCOVERY: 3 } as const;
export const NotificationEventType = {
  UPDATE_OF_RESOURCE: 1,
  DELETE_OF_RESOURCE: 2,
  CREATE_OF_DIRECT_CHILD: 3,
  DELETE_OF_DIRECT_CHILD: 4,
  RETRIEVE_OF_CONTAINER_WITH_NO_CHILD: 5,
  TRIGGER_RECEIVED_FOR_AE: 6,
  BLOCKING_UPDATE: 7,
  REPORT_ON_MISSING_DATA_POINTS: 8,
} as const;

/** m2m:absRelTimestamp: an absolute timestamp (string) or a relative time in ms (number). */
export type AbsRelTimestamp = string | number;

// ---------------------------------------------------------------------------------------------
// Complex parameter types

export interface ResponseTypeInfo { rtv: ResponseTypeValue; nu?: string[]; [other: string]: unknown }

export interface AttributeFilter { nm: string; val: JsonValue; [other: string]: unknown }

export interface FilterCriteria {
  crb?: string; cra?: string; ms?: string; us?: string;
  sts?: number; stb?: number; exb?: string; exa?: string;
  lbl?: string[]; ty?: number[]; sza?: number; szb?: number; cty?: string[];
  atr?: AttributeFilter[]; fu?: number; lim?: number; lvl?: number; ofst?: number; fo?: number;
  smf?: string[]; clbl?: string[]; palb?: string[]; chty?: number[]; pty?: number[];
  catr?: AttributeFilter[]; patr?: AttributeFilter[]; lbq?: string; cfs?: number; cfq?: string; arp?: string;
  [other: string]: unknown;
}

/** `pc`: exactly one member, a namespaced global element (reference §1.8, §2.2, §6.4). */
export interface PrimitiveContent {
  'm2m:cb'?: CSEBase;
  'm2m:ae'?: AE;
  'm2m:cnt'?: Container;
  'm2m:cin'?: ContentInstance;
  'm2m:sub'?: Subscription;
  'm2m:csr'?: RemoteCSE;
  'm2m:acp'?: AccessControlPolicy;
  'm2m:sgn'?: Notification;
  'm2m:agn'?: { 'm2m:sgn': Notification[]; [other: string]: unknown };
  'm2m:uri'?: string;
  'm2m:uril'?: string[];
  'm2m:atrl'?: string[];
  'm2m:dbg'?: string;
  'm2m:qres'?: string;
  'm2m:rrl'?: { rrf: ChildResourceRef[]; [other: string]: unknown };
  'm2m:rce'?: { uri?: string; [resource: string]: unknown };
  'm2m:agr'?: { 'm2m:rsp': ResponsePrimitive[]; [other: string]: unknown };
  'm2m:rqp'?: RequestPrimitive;
  'm2m:rsp'?: ResponsePrimitive;
  [other: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Primitives

/** Request primitive, TS-0004 Table 6.4.1-1 (reference §1.1). */
export interface RequestPrimitive {
  op: Operation;
  to: string;
  /** Mandatory except when an AE registers (CREATE with ty 2). */
  fr?: string;
  rqi: string;
  /** Mandatory in CREATE, not present otherwise. */
  ty?: number;
  pc?: PrimitiveContent;
  rids?: string[];
  ot?: string;
  rqet?: AbsRelTimestamp;
  rset?: AbsRelTimestamp;
  oet?: AbsRelTimestamp;
  rt?: ResponseTypeInfo;
  rp?: AbsRelTimestamp;
  rcn?: number;
  ec?: number;
  da?: boolean;
  gid?: string;
  fc?: FilterCriteria;
  drt?: number;
  tkns?: string[];
  tids?: string[];
  ltids?: string[];
  tqi?: boolean;
  grtm?: string[];
  asi?: boolean;
  aus?: string[];
  auri?: boolean;
  sqi?: boolean;
  /** Release version indicator: a string ("2a", "3", "4", "5"); absent means Release 1. */
  rvi?: string;
  vsi?: string;
  [other: string]: unknown;
}

/** Response primitive, TS-0004 Table 6.4.2-1 (reference §2.1). */
export interface ResponsePrimitive {
  rsc: number;
  rqi: string;
  pc?: PrimitiveContent;
  to?: string;
  fr?: string;
  ot?: string;
  rset?: AbsRelTimestamp;
  ec?: number;
  cnst?: number;
  cnot?: number;
  ati?: JsonObject;
  tqf?: JsonObject;
  asri?: boolean;
  rvi?: string;
  vsi?: string;
  [other: string]: unknown;
}

export type Primitive = RequestPrimitive | ResponsePrimitive;

export function isRequest(p: Primitive): p is RequestPrimitive {
  return Object.hasOwn(p, 'op');
}

// ---------------------------------------------------------------------------------------------
// Resource representations (reference §6)

export interface ChildResourceRef { nm: string; typ: number; val: string; spty?: string; [other: string]: unknown }

/** Attributes common to every resource type (reference §6.2). */
export interface ResourceBase {
  rn?: string; ty?: number; ri?: string; pi?: string | null; ct?: string; lt?: string; et?: string;
  lbl?: string[] | null; acpi?: string[]; at?: string[]; aa?: string[]; daci?: string[];
  st?: number; cr?: string | null; ch?: ChildResourceRef[]; cstn?: string; ast?: number;
  [other: string]: unknown;
}

export interface CSEBase extends ResourceBase {
  cst?: number; csi?: string; srt?: number[]; poa?: string[]; nl?: string; csz?: string[];
  esi?: JsonObject; srv?: string[];
}

export interface AE extends ResourceBase {
  apn?: string; api?: string; aei?: string; poa?: string[]; or?: string; nl?: string; rr?: boolean;
  csz?: string[]; esi?: JsonObject; mei?: string; srv?: string[]; regs?: number; trps?: boolean;
  scp?: string[]; tren?: boolean; tri?: number; trn?: number;
}

export interface Container extends ResourceBase {
  mni?: number; mbs?: number; mia?: number; cni?: number; cbs?: number; li?: string; or?: string;
  disr?: boolean; 'm2m:cin'?: ContentInstance[];
}

export interface ContentInstance extends ResourceBase {
  cnf?: string; cs?: number; conr?: string; or?: string; con?: JsonValue; dgt?: string;
}

export interface EventNotificationCriteria {
  net?: number[]; chty?: number[]; atr?: string[]; crb?: string; cra?: string; ms?: string; us?: string;
  sts?: number; stb?: number; exb?: string; exa?: string; sza?: number; szb?: number;
  om?: { ops?: number; or?: string; [other: string]: unknown }[];
  md?: { num?: number; dur?: string; [other: string]: unknown };
  fo?: number;
  [other: string]: unknown;
}

export interface Subscription extends ResourceBase {
  enc?: EventNotificationCriteria; exc?: number; nu?: string[]; gpi?: string; nfu?: string;
  bn?: { num?: number; dur?: string; [other: string]: unknown };
  rl?: { mnn?: number; tww?: string; [other: string]: unknown };
  psn?: number; pn?: number; nsp?: number; ln?: boolean; nct?: number; nec?: number; su?: string;
}

export interface RemoteCSE extends ResourceBase {
  cst?: number; poa?: string[]; cb?: string; csi?: string; mei?: string; tri?: number; trn?: number;
  rr?: boolean; nl?: string; csz?: string[]; esi?: JsonObject; dcse?: string[]; srv?: string[];
  mtcc?: number; egid?: string; tren?: boolean;
}

export interface AccessControlRule {
  acor?: string[]; acop?: number; acco?: JsonObject[]; acaf?: boolean; acod?: JsonObject[];
  [other: string]: unknown;
}

export interface AccessControlPolicy extends ResourceBase {
  pv?: { acr: AccessControlRule[]; [other: string]: unknown };
  pvs?: { acr: AccessControlRule[]; [other: string]: unknown };
  adri?: string[]; apri?: string[]; airi?: string[];
}

/** m2m:sgn (reference §7.1). */
export interface Notification {
  nev?: { rep?: PrimitiveContent; om?: JsonObject; net?: number; [other: string]: unknown };
  vrq?: boolean; sud?: boolean; sur?: string; cr?: string; nfu?: string; ntt?: string;
  trr?: boolean; tra?: boolean; aerp?: boolean; aerid?: boolean; tid1?: string; tid2?: string;
  [other: string]: unknown;
}
