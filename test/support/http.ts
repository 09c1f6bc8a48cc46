/** A small JSON client for driving the API in tests, over real HTTP or an in-process app. */
import { secretsInJson } from './secrets-created.js';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response> | Response;

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Send this exact text as the body (malformed JSON tests). */
  raw?: string;
}

/** The password `signUp` registers with unless told another. */
export const SIGN_UP_PASSWORD = 'a long enough password';

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly fetcher: FetchLike = fetch,
    /** Told every secret sent or received (test/support/secrets-created.ts). */
    private readonly onSecret?: (secret: string) => void,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const response = await this.fetcher(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    if (this.onSecret) for (const secret of [...secretsInJson(body), ...secretsInJson(parsed)]) this.onSecret(secret);
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, undefined, options);
  }
  post<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, body, options);
  }
  put<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PUT', path, body, options);
  }
  patch<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', path, body, options);
  }
  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, undefined, options);
  }

  /**
   * POST /v1/api-keys for `user`, proving its current password (`signUp`'s unless the user carries its own); `key` may
   * name another `current_password` to be refused.
   */
  createApiKey<T = any>(user: { token: string; password?: string }, key: object, options: RequestOptions = {}) {
    return this.post<T>(
      '/v1/api-keys',
      { current_password: user.password ?? SIGN_UP_PASSWORD, ...key },
      { ...options, token: user.token },
    );
  }

  /** Registers a user and logs in: returns its id and access token. */
  async signUp(email: string, password = SIGN_UP_PASSWORD): Promise<{ id: string; token: string; email: string }> {
    const registered = await this.post('/v1/auth/register', { email, password });
    if (registered.status !== 201) throw new Error(`register ${email}: ${registered.status} ${JSON.stringify(registered.body)}`);
    return { id: registered.body.id, email, token: await this.login(email, password) };
  }

  async login(email: string, password: string): Promise<string> {
    const response = await this.post('/v1/auth/token', { email, password });
    if (response.status !== 200) throw new Error(`login ${email}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.access_token;
  }
}
