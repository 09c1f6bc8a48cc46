/** Entry point: the HTTP API. */
import { startApiServer } from '../api/server.js';
import { loadConfigOrExit } from '../platform/config.js';
import { createLogger } from '../platform/log.js';
import { onShutdown } from '../platform/shutdown.js';

const config = loadConfigOrExit();
const log = createLogger('api', config.LOG_LEVEL);
const api = await startApiServer(config, log);
onShutdown(log, () => api.close());
