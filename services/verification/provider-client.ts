/**
 * The KYC provider's REST API (SumSub's): create an applicant for a user at a level, and an access token for its
 * WebSDK. Every request is signed (signatures.ts); any non-2xx answer is an error naming the provider's reply.
 */
import { requestSignature } from './signatures.js';

export interface KycProviderSettings {
  baseUrl: string;
  appToken: string;
  secretKey: string;
}

export class KycProviderError extends Error {}

export class KycProviderClient {
  constructor(private readonly settings: KycProviderSettings) {}

  /** Creates the applicant; the user's id is its externalUserId. */
  async createApplicant(userId: string, levelName: string, email: string): Promise<{ applicantId: string }> {
    const body = await this.call('POST', `/resources/applicants?levelName=${encodeURIComponent(levelName)}`, {
      externalUserId: userId,
      email,
      type: 'individual',
    });
    return { applicantId: String(body!.id) };
  }

  /** The user's existing applicant, when one was created before (a retried start). */
  async applicantOf(userId: string): Promise<{ applicantId: string } | null> {
    const body = await this.call(
      'GET',
      `/resources/applicants/-;externalUserId=${encodeURIComponent(userId)}/one`,
      undefined,
      [404],
    );
    return body ? { applicantId: String(body.id) } : null;
  }

  /** A short-lived token the WebSDK runs the applicant's checks with. */
  async sdkAccessToken(userId: string, levelName: string, ttlSeconds: number): Promise<string> {
    const body = await this.call('POST', '/resources/accessTokens/sdk', { userId, levelName, ttlInSecs: ttlSeconds });
    return String(body!.token);
  }

  private async call(
    method: string,
    path: string,
    payload?: object,
    absent: number[] = [],
  ): Promise<Record<string, unknown> | null> {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const ts = Math.floor(Date.now() / 1000).toString();
    const response = await fetch(this.settings.baseUrl + path, {
      method,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-app-token': this.settings.appToken,
        'x-app-access-ts': ts,
        'x-app-access-sig': requestSignature(this.settings.secretKey, ts, method, path, body),
      },
      ...(body ? { body } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    if (absent.includes(response.status)) return null;
    const text = await response.text();
    if (!response.ok)
      throw new KycProviderError(`KYC provider answered ${response.status} to ${method} ${path}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as Record<string, unknown>;
  }
}
