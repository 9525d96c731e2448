/**
 * The resource tree: every resource by `ri`, children by name in creation order, and the
 * registration indexes (AE-ID → `<AE>`, CSE-ID → `<remoteCSE>`). Every change goes through the
 * journal first, so what is in memory is what a restart recovers.
 */
import type { Journal, JournalRecord } from './journal.js';
import type { Resource } from './resource.js';

export class ResourceTree {
  private readonly byRi = new Map<string, Resource>();
  /** parent ri → (child rn → child ri), in creation order. */
  private readonly childrenOf = new Map<string, Map<string, string>>();
  private readonly aeByAei = new Map<string, string>();
  private readonly csrByCsi = new Map<string, string>();
  private rootRi: string | undefined;

  constructor(private readonly journal: Journal) {}

  /** Rebuilds the tree from journal records (no writes). */
  replay(records: Iterable<JournalRecord>): void {
    for (const record of records) {
      if ('put' in record) this.insert(record.put);
      else this.removeSubtree(record.del);
    }
  }

  get root(): Resource | undefined {
    return this.rootRi === undefined ? undefined : this.byRi.get(this.rootRi);
  }

  get size(): number {
    return this.byRi.size;
  }

  get(ri: string): Resource | undefined {
    return this.byRi.get(ri);
  }

  has(ri: string): boolean {
    return this.byRi.has(ri);
  }

  parentOf(resource: Resource): Resource | undefined {
    return resource.pi === undefined ? undefined : this.byRi.get(resource.pi);
  }

  childNamed(parent: Resource, rn: string): Resource | undefined {
    const ri = this.childrenOf.get(parent.ri)?.get(rn);
    return ri === undefined ? undefined : this.byRi.get(ri);
  }

  /** Direct children in creation order, optionally of one type. */
  children(parent: Resource, ty?: number): Resource[] {
    const names = this.childrenOf.get(parent.ri);
    if (names === undefined) return [];
    const result: Resource[] = [];
    for (const ri of names.values()) {
      const child = this.byRi.get(ri)!;
      if (ty === undefined || child.ty === ty) result.push(child);
    }
    return result;
  }

  /** The resource and its descendants, parents first, children in creation order. */
  *subtree(resource: Resource, maxDepth = Infinity, depth = 0): Generator<Resource> {
    yield resource;
    if (depth >= maxDepth) return;
    for (const child of this.children(resource)) yield* this.subtree(child, maxDepth, depth + 1);
  }

  /** Ancestors from the parent up to the CSEBase. */
  *ancestors(resource: Resource): Generator<Resource> {
    for (let current = this.parentOf(resource); current !== undefined; current = this.parentOf(current)) yield current;
  }

  /** CSE-relative structured address: `cse-in/ae1/cnt1`. */
  structuredAddress(resource: Resource): string {
    const names = [resource.rn];
    for (const ancestor of this.ancestors(resource)) names.push(ancestor.rn);
    return names.reverse().join('/');
  }

  aeByAeId(aei: string): Resource | undefined {
    const ri = this.aeByAei.get(aei);
    return ri === undefined ? undefined : this.byRi.get(ri);
  }

  remoteCseById(csi: string): Resource | undefined {
    const ri = this.csrByCsi.get(csi);
    return ri === undefined ? undefined : this.byRi.get(ri);
  }

  remoteCses(): Resource[] {
    return [...this.csrByCsi.values()].map((ri) => this.byRi.get(ri)!);
  }

  /** Creates or replaces a resource (durably). */
  put(resource: Resource): void {
    this.journal.append({ put: resource });
    this.insert(resource);
    this.compact();
  }

  /** Deletes a resource and its subtree (durably); returns what was removed, children first. */
  delete(resource: Resource): Resource[] {
    this.journal.append({ del: resource.ri });
    const removed = this.removeSubtree(resource.ri);
    this.compact();
    return removed;
  }

  private compact(): void {
    this.journal.compactIfNeeded(() => (this.root === undefined ? [] : this.subtree(this.root)), this.byRi.size);
  }

  close(): void {
    this.journal.close();
  }

  private insert(resource: Resource): void {
    const previous = this.byRi.get(resource.ri);
    this.byRi.set(resource.ri, resource);
    if (resource.pi === undefined) this.rootRi = resource.ri;
    else if (previous === undefined) {
      let siblings = this.childrenOf.get(resource.pi);
      if (siblings === undefined) this.childrenOf.set(resource.pi, (siblings = new Map()));
      siblings.set(resource.rn, resource.ri);
    }
    if (resource.ty === 2 && typeof resource['aei'] === 'string') this.aeByAei.set(resource['aei'], resource.ri);
    if (resource.ty === 16 && typeof resource['csi'] === 'string') this.csrByCsi.set(resource['csi'], resource.ri);
  }

  private removeSubtree(ri: string): Resource[] {
    const resource = this.byRi.get(ri);
    if (resource === undefined) return [];
    const removed: Resource[] = [];
    for (const child of this.children(resource)) removed.push(...this.removeSubtree(child.ri));
    this.childrenOf.delete(ri);
    this.byRi.delete(ri);
    if (resource.pi !== undefined) this.childrenOf.get(resource.pi)?.delete(resource.rn);
    if (resource.ty === 2 && typeof resource['aei'] === 'string') this.aeByAei.delete(resource['aei']);
    if (resource.ty === 16 && typeof resource['csi'] === 'string') this.csrByCsi.delete(resource['csi']);
    removed.push(resource);
    return removed;
  }
}
