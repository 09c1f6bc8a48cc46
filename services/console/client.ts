/** The console's own store, for its HTTP layer: sessions. */
export { createSession, endSession, randomToken, sessionByToken, type ConsoleSession } from './sessions-store.js';
