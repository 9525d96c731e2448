/**
 * Decoder limits and leniency switches, with their documented defaults (docs/primitives.md).
 */

export interface DecodeLimits {
  /** Largest payload accepted, in bytes (checked before anything else). */
  maxBytes: number;
  /** Deepest nesting of objects/arrays (JSON, CBOR) or elements (XML); the primitive itself is level 1. */
  maxDepth: number;
  /** Most values (JSON/CBOR) or elements + attributes (XML) in one primitive. */
  maxNodes: number;
}

export const DEFAULT_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxDepth: 32,
  maxNodes: 100_000,
});

export interface DecodeOptions {
  limits?: Partial<DecodeLimits>;
  /** Accept the Release-2 wrapped JSON/CBOR form `{"m2m:rqp": {...}}`. Default true. */
  acceptWrapped?: boolean;
  /**
   * Refuse a primitive without `rvi` (ACME answers 4001). Default false: a missing `rvi` means
   * Release 1, and the TS-0020 examples themselves omit it; the layer above decides.
   */
  requireRvi?: boolean;
  /** When given, an `rvi` not in this list is refused with 4001 RELEASE_VERSION_NOT_SUPPORTED. */
  supportedReleases?: readonly string[];
  /** Read CBOR byte strings (keys and values) as UTF-8 text, as the TS-0004 examples need. Default true. */
  cborByteStringsAsText?: boolean;
  /**
   * 'perOperation' (default): `rcn` must be valid for the operation (TS-0001 Table 8.1.2-1), as
   * ACME checks. 'range': any known value 0..12 passes; the TS-0020 examples send rcn 7 with CREATE.
   */
  resultContentCheck?: 'perOperation' | 'range';
  /**
   * The payload is already known to be valid UTF-8: a WebSocket text message, which the engine
   * validates as it arrives (RFC 6455 §8.1). Skips the decoder's own check. Default false.
   */
  utf8Validated?: boolean;
}

/** Options with every default filled in; computed once per distinct options object. */
export interface ResolvedDecodeOptions {
  limits: DecodeLimits;
  acceptWrapped: boolean;
  requireRvi: boolean;
  supportedReleases: ReadonlySet<string> | undefined;
  cborByteStringsAsText: boolean;
  resultContentCheck: 'perOperation' | 'range';
  utf8Validated: boolean;
}

const DEFAULT_RESOLVED: ResolvedDecodeOptions = Object.freeze({
  limits: DEFAULT_LIMITS,
  acceptWrapped: true,
  requireRvi: false,
  supportedReleases: undefined,
  cborByteStringsAsText: true,
  resultContentCheck: 'perOperation',
  utf8Validated: false,
});

const resolvedCache = new WeakMap<DecodeOptions, ResolvedDecodeOptions>();

export function resolveDecodeOptions(options: DecodeOptions | undefined): ResolvedDecodeOptions {
  if (options === undefined) return DEFAULT_RESOLVED;
  let resolved = resolvedCache.get(options);
  if (resolved === undefined) {
    resolved = {
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      acceptWrapped: options.acceptWrapped ?? true,
      requireRvi: options.requireRvi ?? false,
      supportedReleases: options.supportedReleases ? new Set(options.supportedReleases) : undefined,
      cborByteStringsAsText: options.cborByteStringsAsText ?? true,
      resultContentCheck: options.resultContentCheck ?? 'perOperation',
      utf8Validated: options.utf8Validated ?? false,
    };
    resolvedCache.set(options, resolved);
  }
  return resolved;
}
