/**
 * Bounds on a decoded JSON tree: nesting depth, number of values, finite numbers.
 *
 * JSON.parse itself copes with deep input, but everything downstream of us recurses, so the
 * depth is bounded here, once. This walk is the only pass over the content that JSON decoding
 * makes besides JSON.parse, so it recurses only into containers and checks leaves inline.
 */
import { InvalidPrimitive } from './errors.js';
import type { DecodeLimits } from './options.js';

interface WalkBudget { nodesLeft: number; readonly maxDepth: number }

export function checkJsonTree(root: unknown, limits: DecodeLimits): void {
  if (typeof root !== 'object' || root === null) return;
  const budget: WalkBudget = { nodesLeft: limits.maxNodes - 1, maxDepth: limits.maxDepth };
  walkContainer(root, 1, budget);
}

function walkContainer(container: object, depth: number, budget: WalkBudget): void {
  if (depth > budget.maxDepth) throw new InvalidPrimitive(`nesting deeper than ${budget.maxDepth}`);
  if (Array.isArray(container)) {
    if ((budget.nodesLeft -= container.length) < 0) throw new InvalidPrimitive('too many values in primitive');
    for (let i = 0; i < container.length; i++) checkValue(container[i], depth, budget);
    return;
  }
  const object = container as Record<string, unknown>;
  let members = 0;
  for (const key in object) {
    members++;
    checkValue(object[key], depth, budget);
  }
  if ((budget.nodesLeft -= members) < 0) throw new InvalidPrimitive('too many values in primitive');
}

function checkValue(value: unknown, depth: number, budget: WalkBudget): void {
  if (typeof value === 'object') {
    if (value !== null) walkContainer(value, depth + 1, budget);
  } else if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new InvalidPrimitive('number out of range');
  }
}
