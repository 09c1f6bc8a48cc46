/** A test file's app, started before its tests and closed after them, with its admin signed into the console. */
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp } from './app.js';
import { ConsoleHttp } from './console-http.js';

export interface ConsoleTestApp {
  /** The app and its admin (set once the file's beforeAll has run). */
  readonly t: TestApp;
  /** The admin's console session. */
  readonly admin: ConsoleHttp;
}

/** Call at a test file's top level: the hooks start the app and sign the admin in, and close it after the file. */
export function appWithConsoleAdmin(): ConsoleTestApp {
  const started = {} as { t: TestApp; admin: ConsoleHttp };
  beforeAll(async () => {
    started.t = await startTestApp();
    started.admin = await ConsoleHttp.signIn(started.t.api, started.t.admin.email, started.t.admin.password);
  });
  afterAll(() => started.t?.close());
  return started;
}
