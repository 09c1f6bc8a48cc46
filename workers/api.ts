/** Entry point: the HTTP API, as one process or a cluster of API_PROCESSES (api/cluster.ts). */
import { startApi } from '../api/cluster.js';
import { loadConfigOrExit } from '../platform/config.js';
import { createLogger } from '../platform/log.js';
import { onShutdown } from '../platform/shutdown.js';

const config = loadConfigOrExit();
const log = createLogger('api', config.LOG_LEVEL);
const api = await startApi(config, log);
onShutdown(log, () => api.close());
