export type { PrimitiveStore, PutResult, StoreLimits, StoredEntry } from './types.js';
export { DEFAULT_STORE_LIMITS, resolveStoreLimits } from './limits.js';
export { MemoryStore } from './memory.js';
export { FileStore, LOG_FILE_NAME, type FileStoreOptions, type FsyncPolicy, type RecoveryReport } from './file.js';
