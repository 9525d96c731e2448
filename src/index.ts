/** onem2m-ws: the public API, layer by layer. */
export * from './ws/index.js';
export * as primitives from './primitives/index.js';
export * from './binding/index.js';
