/** onem2m-ws: the public API. */
export * from './ws/index.js';
