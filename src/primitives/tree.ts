/**
 * Bounds on a decoded JSON tree: nesting depth, number of values, finite numbers.
 *
 * JSON.parse itself copes with deep input, but everything downstream of us recurses, so the
 * depth is bounded here, once, for every serialization. The walk is the only pass over the
 * content that JSON decoding makes besides JSON.parse, so it is kept tight.
 */
import { InvalidPrimitive } from './errors.js';
import type { DecodeLimits } from './options.js';

interface WalkBudget { nodesLeft: number; readonly maxDepth: number }

export function checkJsonTree(root: unknown, limits: DecodeLimits): void {
  const budget: WalkBudget = { nodesLeft: limits.maxNodes, maxDepth: limits.maxDepth };
  walk(root, 1, budget);
}

function walk(value: unknown, depth: number, budget: WalkBudget): void {
  if (--budget.nodesLeft < 0) throw new InvalidPrimitive('too many values in primitive');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidPrimitive('number out of range');
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth > budget.maxDepth) throw new InvalidPrimitive(`nesting deeper than ${budget.maxDepth}`);
  const next = depth + 1;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) walk(value[i], next, budget);
    return;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) walk(object[key], next, budget);
}
