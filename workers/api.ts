/** Entry point: the HTTP API. */
import { startApiServer } from '../api/server.js';
import { loadConfigOrExit } from './config.js';
import { createLogger } from './log.js';
import { onShutdown } from './shutdown.js';

const config = loadConfigOrExit();
const log = createLogger('api', config.LOG_LEVEL);
const api = await startApiServer(config, log);
onShutdown(log, () => api.close());
