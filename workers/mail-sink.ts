/** Entry point (dev and tests only): the SMTP sink that captures outgoing mail into the database. */
import { createSql } from '../platform/db/client.js';
import { migrate } from '../platform/db/migrate.js';
import { startMailSink } from '../platform/mail/sink.js';
import { loadConfigOrExit, required } from '../platform/config.js';
import { createLogger } from '../platform/log.js';
import { retryUntilConnected } from '../platform/retry.js';
import { onShutdown } from '../platform/shutdown.js';

const config = loadConfigOrExit();
const log = createLogger('mail-sink', config.LOG_LEVEL);
const sql = createSql(required(config, 'DATABASE_URL'), { max: 2, applicationName: 'sluice-mail-sink' });
await retryUntilConnected(log, 'the database', () => migrate(sql));
const sink = await startMailSink(sql, { host: '127.0.0.1', port: config.MAIL_SINK_PORT, log });
onShutdown(log, async () => {
  await sink.close();
  await sql.end({ timeout: 5 });
});
