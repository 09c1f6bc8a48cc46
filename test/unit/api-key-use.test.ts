import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../platform/db/client.js';
import { ApiKeyUse } from '../../services/users-auth/api-key-use.js';

describe('ApiKeyUse', () => {
  it('sends the last-used update at most once a minute per key', () => {
    const sent: string[] = [];
    const db = ((_: TemplateStringsArray, ...values: unknown[]) => {
      sent.push(String(values[0]));
      return Promise.resolve([]);
    }) as unknown as Db;
    const use = new ApiKeyUse(db, pino({ level: 'silent' }));
    use.record('k1', 0);
    use.record('k1', 59_999);
    use.record('k2', 59_999);
    use.record('k1', 60_000);
    expect(sent).toEqual(['k1', 'k2', 'k1']);
  });
});
