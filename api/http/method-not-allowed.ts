/**
 * 405 for a known path asked with a method it does not have, with the methods it does have in `Allow` (RFC 9110
 * 15.5.6); 404 stays for paths nothing serves. The paths are read from the app's routes when first needed, so every
 * route registered is covered.
 */
import type { Hono } from 'hono';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
  /** How many segments are parameters: a literal segment is more specific than a parameter. */
  params: number;
}

/** A Hono path (`/v1/withdrawals/:id/cancel`, `:id{[0-9]+}`, `*`) as a regular expression. */
function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      const param = /^:[A-Za-z0-9_]+(?:\{(.+)\})?$/.exec(segment);
      if (param) return param[1] ? `(?:${param[1]})` : '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`);
}

export function allowedMethods(app: Hono<any>): (path: string) => string[] {
  let known: KnownPath[] | null = null;
  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const route of app.routes) {
      if (route.method === 'ALL') continue; // middleware
      const methods = byPath.get(route.path) ?? new Set<string>();
      methods.add(route.method);
      if (route.method === 'GET') methods.add('HEAD'); // Hono answers HEAD with the GET route
      byPath.set(route.path, methods);
    }
    return [...byPath].map(([path, methods]) => ({
      pattern: pathPattern(path),
      methods,
      params: path.split('/').filter((segment) => segment.startsWith(':') || segment === '*').length,
    }));
  };
  return (path) => {
    known ??= build();
    const matches = known.filter((k) => k.pattern.test(path));
    // the most specific paths only: /v1/orders/history is its own path, not /v1/orders/{id} with an id of "history"
    const fewest = Math.min(...matches.map((k) => k.params));
    const methods = new Set<string>();
    for (const k of matches) if (k.params === fewest) k.methods.forEach((m) => methods.add(m));
    return [...methods].sort();
  };
}
