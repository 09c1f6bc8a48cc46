/**
 * Access tokens are short-lived HS256 JWTs (jose); refresh tokens are JWTs too, but each is single-use and
 * tracked in the database (db/refresh-tokens.ts), so a stolen one is caught the second time it is used.
 */
import { randomUUID, webcrypto } from 'node:crypto';
import { jwtVerify, SignJWT, errors } from 'jose';
import type { Db } from '../../platform/db/client.js';
import { insertRefreshToken } from './refresh-tokens-store.js';
import { deriveKey } from '../../platform/crypto/sealed.js';

const ISSUER = 'sluice';
/** Verified access tokens kept (the oldest go first): one per active client and process, a few MB at most. */
const MAX_VERIFIED_TOKENS = 50_000;

export interface TokenSettings {
  secretKey: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** What a valid access token proves: whom it is for, and until when (a holder beyond one request must stop then). */
export interface VerifiedAccess {
  readonly userId: string;
  readonly expiresAtMs: number;
  /** The user's session version when it was issued: a password change since has signed it out (api/http/guards.ts). */
  readonly sessionVersion: number;
}

export class Tokens {
  /** Imported once: importing the raw secret on every verification costs more than the HMAC itself. */
  private readonly key: Promise<webcrypto.CryptoKey>;
  /**
   * Access tokens already verified, with their subject and expiry: a client sends the same token for its whole
   * lifetime, and verifying it again (an HMAC on the crypto thread pool) is the costliest step of authenticating it.
   * An entry proves only what verification proved; its expiry is checked on every use, and whether the user may still
   * act is the user directory's question, asked on every request.
   */
  private readonly verifiedAccess = new Map<string, VerifiedAccess>();

  constructor(private readonly settings: TokenSettings) {
    this.key = webcrypto.subtle.importKey('raw', deriveKey(settings.secretKey, 'jwt'), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
  }

  /**
   * Issues an access token and a refresh token, both of the session version `user` was read with; `family` continues a
   * rotation chain. Null when a password change or reset has moved the version on since: the sign-in that read it
   * checked a password that no longer signs in, and it gets nothing (refresh-tokens-store.ts, insertRefreshToken).
   */
  async issue(db: Db, user: { id: string; sessionVersion: number }, family: string = randomUUID()): Promise<TokenPair | null> {
    const userId = user.id;
    const refreshId = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = new Date((now + this.settings.refreshTtlSeconds) * 1000);
    const stored = await insertRefreshToken(db, {
      id: refreshId,
      family,
      userId,
      sessionVersion: user.sessionVersion,
      expiresAt,
    });
    if (!stored) return null;
    const accessToken = await new SignJWT({ typ: 'access', ver: user.sessionVersion })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setIssuedAt(now)
      .setExpirationTime(now + this.settings.accessTtlSeconds)
      .sign(await this.key);
    const refreshToken = await new SignJWT({ typ: 'refresh' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setJti(refreshId)
      .setIssuer(ISSUER)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(await this.key);
    return { accessToken, refreshToken, expiresIn: this.settings.accessTtlSeconds };
  }

  /** Whom a valid access token is for and until when, or null. */
  async verifyAccess(token: string): Promise<VerifiedAccess | null> {
    const known = this.verifiedAccess.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs) return known;
      this.verifiedAccess.delete(token);
    }
    const payload = await this.verify(token, 'access');
    // every access token issued here expires: one that does not was not issued here
    if (!payload?.sub || payload.exp === undefined) return null;
    // tokens issued before versions existed are of version 0, the column's default
    const sessionVersion = typeof payload.ver === 'number' ? payload.ver : 0;
    const access = { userId: payload.sub, expiresAtMs: payload.exp * 1000, sessionVersion };
    this.rememberAccess(token, access);
    return access;
  }

  private rememberAccess(token: string, access: VerifiedAccess): void {
    this.verifiedAccess.set(token, access);
    if (this.verifiedAccess.size > MAX_VERIFIED_TOKENS) this.verifiedAccess.delete(this.verifiedAccess.keys().next().value!);
  }

  /** The refresh token's id (to look up in the database), or null when its signature or expiry is wrong. */
  async verifyRefresh(token: string): Promise<string | null> {
    const payload = await this.verify(token, 'refresh');
    return payload?.jti ?? null;
  }

  private async verify(token: string, typ: 'access' | 'refresh') {
    try {
      const { payload } = await jwtVerify(token, await this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      return payload.typ === typ ? payload : null;
    } catch (error) {
      if (error instanceof errors.JOSEError) return null;
      throw error;
    }
  }
}
