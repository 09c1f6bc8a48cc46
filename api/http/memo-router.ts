/**
 * Hono's own router, remembering the match of each (method, path). The app's routes cannot all be compiled into
 * hono's RegExpRouter (a literal segment beside a parameter, as /v1/notifications/telegram/link beside
 * /v1/notifications/:id/read, is one it refuses), so its SmartRouter falls back to the TrieRouter, which walks the
 * tree of ~700 routes and sorts the handlers it found on every request: ~4% of what the API allocates per transfer
 * (bench/ledger.ts, a sampling heap profile). Routes are all added before the app serves, so a match depends on the
 * method and path alone; what hono does with it only reads it. Paths that carry ids are many: at most `maxPaths` are
 * kept, and all are forgotten when that many are (a hot path is found again at its next request).
 */
import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

export class MemoRouter<T> implements Router<T> {
  readonly name = 'MemoRouter';
  private readonly matches = new Map<string, Map<string, Result<T>>>();
  private paths = 0;

  constructor(
    // hono's default router, as `new Hono()` builds it
    private readonly router: Router<T> = new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] }),
    private readonly maxPaths = 10_000,
  ) {}

  add(method: string, path: string, handler: T): void {
    this.forget();
    this.router.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    let byPath = this.matches.get(method);
    if (byPath === undefined) this.matches.set(method, (byPath = new Map()));
    let result = byPath.get(path);
    if (result === undefined) {
      result = this.router.match(method, path);
      if (this.paths >= this.maxPaths) this.forget();
      byPath.set(path, result);
      this.paths++;
    }
    return result;
  }

  private forget(): void {
    for (const byPath of this.matches.values()) byPath.clear();
    this.paths = 0;
  }
}
