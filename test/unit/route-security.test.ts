import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const API = new URL('../../api/', import.meta.url);
/** guardedRoute, the one place that states a route's credentials (from its guards: api/http/security-schemes.ts). */
const GUARDED_ROUTE = 'http/routes.ts';

describe("routes' credentials in the document", () => {
  it('come from their guards: no route states its guards and security by hand (a second copy of that rule)', () => {
    const byHand = readdirSync(API, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && file !== GUARDED_ROUTE)
      .filter((file) => /^\s*(security: \[|middleware: \[guards\.)/m.test(readFileSync(new URL(file, API), 'utf8')));
    expect(byHand).toEqual([]);
  });
});
