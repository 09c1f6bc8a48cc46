/** The console's own services, for its HTTP layer: sessions, and the volume per day its dashboard charts. */
export { createSession, endSession, randomToken, sessionByToken, type ConsoleSession } from './sessions-store.js';
export { DailyVolumes, type DayVolume } from './daily-volumes.js';
