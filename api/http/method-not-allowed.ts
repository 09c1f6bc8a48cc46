/**
 * 405 for a known path asked with a method it does not have, with the methods it does have in `Allow` (RFC 9110
 * 15.5.6); 404 stays for paths nothing serves. The paths are read from the app's routes when first needed, so every
 * route registered is covered, and matched by hono's own TrieRouter, so a path is known exactly when the app's
 * router would serve it under some method (`/v1/me/` is not `/v1/me`).
 */
import type { Hono } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';

interface KnownPath {
  methods: Set<string>;
  /** How many segments are parameters: a literal segment is more specific than a parameter. */
  params: number;
}

export function allowedMethods(app: Hono<any>): (path: string) => string[] {
  let known: TrieRouter<KnownPath> | null = null;
  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const route of app.routes) {
      if (route.method === 'ALL') continue; // middleware
      const methods = byPath.get(route.path) ?? new Set<string>();
      methods.add(route.method);
      if (route.method === 'GET') methods.add('HEAD'); // Hono answers HEAD with the GET route
      byPath.set(route.path, methods);
    }
    const router = new TrieRouter<KnownPath>();
    for (const [path, methods] of byPath) {
      const params = path.split('/').filter((segment) => segment.startsWith(':') || segment === '*').length;
      router.add('ALL', path, { methods, params });
    }
    return router;
  };
  return (path) => {
    known ??= build();
    const matches = known.match('ALL', path)[0].map(([k]) => k);
    // the most specific paths only: /v1/orders/history is its own path, not /v1/orders/{id} with an id of "history"
    const fewest = Math.min(...matches.map((k) => k.params));
    const methods = new Set<string>();
    for (const k of matches) if (k.params === fewest) k.methods.forEach((m) => methods.add(m));
    return [...methods].sort();
  };
}
