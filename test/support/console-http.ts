/**
 * The operator console over plain HTTP, as a browser's forms use it, for tests that need no browser: signing in
 * through the form (the sign-in page's CSRF cookie first), then pages and form posts carrying the session's token.
 */
import type { ApiClient, ApiResponse } from './http.js';

const CSRF_FIELD = /name="_csrf" value="([^"]+)"/;

export class ConsoleHttp {
  private constructor(
    private readonly api: ApiClient,
    /** The session's cookie, as a Cookie header sends it. */
    readonly cookie: string,
  ) {}

  static async signIn(api: ApiClient, email: string, password = 'a long enough password'): Promise<ConsoleHttp> {
    const form = await api.get('/ops/sign-in');
    const csrf = CSRF_FIELD.exec(form.body as string)![1]!;
    const signInCookie = form.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const body = new URLSearchParams({ _csrf: csrf, email, password, totp: '', next: '' });
    const signedIn = await api.post('/ops/sign-in', undefined, {
      raw: body.toString(),
      headers: { cookie: signInCookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    const session = signedIn.headers.getSetCookie().find((c) => c.startsWith('sluice_console='));
    if (signedIn.status !== 303 || !session) throw new Error(`console sign-in of ${email}: ${signedIn.status}`);
    return new ConsoleHttp(api, session.split(';')[0]!);
  }

  get(path: string, headers: Record<string, string> = {}): Promise<ApiResponse<string>> {
    return this.api.get(`/ops${path}`, { headers: { cookie: this.cookie, ...headers } });
  }

  /** Posts a form with the session's CSRF token, read from the page at `from` (where the form is). */
  async post(from: string, action: string, fields: Record<string, string>): Promise<ApiResponse<string>> {
    const page = await this.get(from);
    const csrf = CSRF_FIELD.exec(page.body)?.[1];
    if (!csrf) throw new Error(`no form on ${from}: ${page.status}`);
    return this.api.post(`/ops${action}`, undefined, {
      raw: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
}
