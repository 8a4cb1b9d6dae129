// Public surface of the storage layer.
export type { Database, Migration, OpenOptions, QueryResult, Queryable } from './database.js';
export { openDatabase } from './database.js';
export { StoreUnavailableError, isConnectionError } from './errors.js';
