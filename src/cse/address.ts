/**
 * `to` resolution (reference §8.1, §8.4). Forms accepted:
 *
 * | form | example | meaning |
 * |---|---|---|
 * | absolute | `//sp.example/id-in/cse-in/ae1` | the SP-ID is not checked; reduced to SP-relative |
 * | SP-relative | `/id-in/cse-in/ae1`, `/id-in/cnt123`, `/id-in` | first segment is a CSE-ID: ours → CSE-relative rest, else another CSE |
 * | CSE-relative structured | `cse-in/ae1/cnt1`, `-/ae1/cnt1` | walk by resource names from the CSEBase |
 * | CSE-relative unstructured | `cnt123`, `Cae1` | a resource ID (an `<AE>`'s ID is its AE-ID) |
 * | hybrid | `cnt123/la`, `Cae1/cnt1` | a resource ID, then names below it |
 *
 * A last segment `la` / `ol` under a container is its latest / oldest contentInstance. A
 * trailing `#attr` selects one attribute of the result (retrieve only).
 */
import type { Resource } from './resource.js';
import type { ResourceTree } from './tree.js';

export type ParsedTarget =
  | { kind: 'local'; segments: string[]; structured: boolean; attribute: string | undefined }
  | { kind: 'other-cse'; cseId: string; firstSegment: string }
  | { kind: 'invalid'; reason: string };

export type VirtualChild = 'la' | 'ol';

export interface Resolved {
  resource: Resource;
  /** Set when `to` named the container's latest / oldest instance. */
  virtual?: VirtualChild;
}

export interface SelfIdentity {
  cseId: string;
  cseName: string;
}

export function parseTarget(to: string, self: SelfIdentity): ParsedTarget {
  let path = to;
  let attribute: string | undefined;
  const hash = path.indexOf('#');
  if (hash >= 0) {
    attribute = path.slice(hash + 1);
    path = path.slice(0, hash);
    if (attribute.length === 0) return { kind: 'invalid', reason: 'empty attribute name after #' };
  }
  if (path.startsWith('///')) return { kind: 'invalid', reason: 'too many leading slashes' };
  if (path.startsWith('//')) {
    const afterSp = path.indexOf('/', 2);
    if (afterSp < 0) return { kind: 'invalid', reason: 'absolute address without a CSE-ID' };
    path = path.slice(afterSp); // the SP-ID is not ours to check: reduce to SP-relative
  }
  if (path.startsWith('/')) {
    const segments = path.slice(1).split('/');
    const cseId = `/${segments[0]}`;
    if (cseId !== self.cseId) return { kind: 'other-cse', cseId, firstSegment: segments[0]! };
    const rest = segments.slice(1);
    if (rest.length === 0) return { kind: 'local', segments: [], structured: true, attribute };
    return localPath(rest, self, attribute);
  }
  return localPath(path.split('/'), self, attribute);
}

function localPath(segments: string[], self: SelfIdentity, attribute: string | undefined): ParsedTarget {
  if (segments.some((segment) => segment.length === 0)) return { kind: 'invalid', reason: 'empty path segment' };
  if (segments[0] === self.cseName || segments[0] === '-') return { kind: 'local', segments: segments.slice(1), structured: true, attribute };
  return { kind: 'local', segments, structured: false, attribute };
}

/** Walks a parsed local target; undefined when nothing is there. */
export function resolveLocal(tree: ResourceTree, target: { segments: string[]; structured: boolean }): Resolved | undefined {
  const names = target.structured ? target.segments : target.segments.slice(1);
  let current = target.structured ? tree.root : tree.get(target.segments[0]!);
  for (let i = 0; current !== undefined && i < names.length; i++) {
    const name = names[i]!;
    const child = tree.childNamed(current, name);
    if (child === undefined && i === names.length - 1 && current.ty === 3 && (name === 'la' || name === 'ol')) {
      return { resource: current, virtual: name };
    }
    current = child;
  }
  return current === undefined ? undefined : { resource: current };
}
