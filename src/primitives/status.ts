/**
 * Response status codes (TS-0004 §6.6.3, reference §2.3).
 *
 * A `const` object plus a type rather than a TS enum: the values are plain numbers on the wire,
 * and unknown codes from newer peers must still be representable (`rsc` is typed `number`).
 */
export const ResponseStatusCode = {
  ACCEPTED: 1000,
  ACCEPTED_NON_BLOCKING_REQUEST_SYNCH: 1001,
  ACCEPTED_NON_BLOCKING_REQUEST_ASYNCH: 1002,

  OK: 2000,
  CREATED: 2001,
  DELETED: 2002,
  UPDATED: 2004,

  BAD_REQUEST: 4000,
  RELEASE_VERSION_NOT_SUPPORTED: 4001,
  NOT_FOUND: 4004,
  OPERATION_NOT_ALLOWED: 4005,
  REQUEST_TIMEOUT: 4008,
  UNSUPPORTED_MEDIA_TYPE: 4015,
  SUBSCRIPTION_CREATOR_HAS_NO_PRIVILEGE: 4101,
  CONTENTS_UNACCEPTABLE: 4102,
  ORIGINATOR_HAS_NO_PRIVILEGE: 4103,
  GROUP_REQUEST_IDENTIFIER_EXISTS: 4104,
  CONFLICT: 4105,
  ORIGINATOR_NOT_AUTHENTICATED: 4106,
  SECURITY_ASSOCIATION_REQUIRED: 4107,
  INVALID_CHILD_RESOURCE_TYPE: 4108,
  NO_MEMBERS: 4109,
  GROUP_MEMBER_TYPE_INCONSISTENT: 4110,
  ESPRIM_UNSUPPORTED_OPTION: 4111,
  ESPRIM_UNKNOWN_KEY_ID: 4112,
  ESPRIM_UNKNOWN_ORIG_RAND_ID: 4113,
  ESPRIM_UNKNOWN_RECV_RAND_ID: 4114,
  ESPRIM_BAD_MAC: 4115,
  ESPRIM_IMPERSONATION_ERROR: 4116,
  ORIGINATOR_HAS_ALREADY_REGISTERED: 4117,
  ONTOLOGY_NOT_AVAILABLE: 4118,
  LINKED_SEMANTICS_NOT_AVAILABLE: 4119,
  INVALID_SEMANTICS: 4120,
  MASHUP_MEMBER_NOT_FOUND: 4121,
  INVALID_TRIGGER_PURPOSE: 4122,
  ILLEGAL_TRANSACTION_STATE_TRANSITION_ATTEMPTED: 4123,
  BLOCKING_SUBSCRIPTION_ALREADY_EXISTS: 4124,
  SPECIALIZATION_SCHEMA_NOT_FOUND: 4125,
  APP_RULE_VALIDATION_FAILED: 4126,
  OPERATION_DENIED_BY_REMOTE_ENTITY: 4127,
  SERVICE_SUBSCRIPTION_NOT_ESTABLISHED: 4128,
  INVALID_SPARQL_QUERY: 4143,

  INTERNAL_SERVER_ERROR: 5000,
  NOT_IMPLEMENTED: 5001,
  TARGET_NOT_REACHABLE: 5103,
  RECEIVER_HAS_NO_PRIVILEGE: 5105,
  ALREADY_EXISTS: 5106,
  REMOTE_ENTITY_NOT_REACHABLE: 5107,
  TARGET_NOT_SUBSCRIBABLE: 5203,
  SUBSCRIPTION_VERIFICATION_INITIATION_FAILED: 5204,
  SUBSCRIPTION_HOST_HAS_NO_PRIVILEGE: 5205,
  NON_BLOCKING_SYNCH_REQUEST_NOT_SUPPORTED: 5206,
  NOT_ACCEPTABLE: 5207,
  DISCOVERY_DENIED_BY_IPE: 5208,
  GROUP_MEMBERS_NOT_RESPONDED: 5209,
  ESPRIM_DECRYPTION_ERROR: 5210,
  ESPRIM_ENCRYPTION_ERROR: 5211,
  SPARQL_UPDATE_ERROR: 5212,
  TARGET_HAS_NO_SESSION_CAPABILITY: 5214,
  SESSION_IS_ONLINE: 5215,
  JOIN_MULTICAST_GROUP_FAILED: 5216,
  LEAVE_MULTICAST_GROUP_FAILED: 5217,
  TRIGGERING_DISABLED_FOR_RECIPIENT: 5218,
  UNABLE_TO_REPLACE_REQUEST: 5219,
  UNABLE_TO_RECALL_REQUEST: 5220,
  CROSS_RESOURCE_OPERATION_FAILURE: 5221,
  TRANSACTION_PROCESSING_IS_INCOMPLETE: 5222,

  EXTERNAL_OBJECT_NOT_REACHABLE: 6003,
  EXTERNAL_OBJECT_NOT_FOUND: 6005,
  MAX_NUMBER_OF_MEMBER_EXCEEDED: 6010,
  MGMT_SESSION_CANNOT_BE_ESTABLISHED: 6020,
  MGMT_SESSION_ESTABLISHMENT_TIMEOUT: 6021,
  INVALID_CMDTYPE: 6022,
  INVALID_ARGUMENTS: 6023,
  INSUFFICIENT_ARGUMENTS: 6024,
  MGMT_CONVERSION_ERROR: 6025,
  MGMT_CANCELLATION_FAILED: 6026,
  ALREADY_COMPLETE: 6028,
  MGMT_COMMAND_NOT_CANCELLABLE: 6029,
  EXTERNAL_OBJECT_NOT_REACHABLE_BEFORE_RQET_TIMEOUT: 6030,
  EXTERNAL_OBJECT_NOT_REACHABLE_BEFORE_OET_TIMEOUT: 6031,
} as const;

export type ResponseStatusCodeName = keyof typeof ResponseStatusCode;
/** One of the codes we know by name. `rsc` itself is a plain `number` (newer releases add codes). */
export type KnownResponseStatusCode = (typeof ResponseStatusCode)[ResponseStatusCodeName];

const namesByCode: ReadonlyMap<number, ResponseStatusCodeName> = new Map(
  (Object.keys(ResponseStatusCode) as ResponseStatusCodeName[]).map((name) => [ResponseStatusCode[name], name]),
);

/** The constant name of a known code, or `undefined` for a code we have no name for. */
export function responseStatusName(rsc: number): ResponseStatusCodeName | undefined {
  return namesByCode.get(rsc);
}

export type ResponseStatusClass = 'informational' | 'success' | 'originatorError' | 'receiverError' | 'networkError';

/** Classify by the thousands digit, so codes from later releases are still understood. */
export function responseStatusClass(rsc: number): ResponseStatusClass | undefined {
  switch (Math.trunc(rsc / 1000)) {
    case 1: return 'informational';
    case 2: return 'success';
    case 4: return 'originatorError';
    case 5: return 'receiverError';
    case 6: return 'networkError';
    default: return undefined;
  }
}

/** A status code is acceptable on the wire when it is an integer in one of the defined classes. */
export function isValidResponseStatusCode(rsc: number): boolean {
  return Number.isInteger(rsc) && responseStatusClass(rsc) !== undefined;
}
