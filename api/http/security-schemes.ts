/**
 * The credentials the document names: a bearer access token, or a signed API key request, which is four headers
 * together (services/users-auth/request-signature.ts). Each header is a scheme of its own, all four required together,
 * so that a client built from the document sends every one.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context.js';

const API_KEY_HEADERS = {
  apiKey: {
    name: 'X-Api-Key',
    description:
      "The API key's id. A request made with it is signed: it also sends X-Api-Timestamp, X-Api-Nonce and " +
      'X-Api-Signature (the schemes apiKeyTimestamp, apiKeyNonce and apiKeySignature, required with this one).',
  },
  apiKeyTimestamp: {
    name: 'X-Api-Timestamp',
    description: "The request's time in unix seconds; refused (401) when further than API_KEY_WINDOW_SECONDS from now.",
  },
  apiKeyNonce: {
    name: 'X-Api-Nonce',
    description:
      '16 to 64 characters of A-Za-z0-9_-, new for every request: a nonce the key used within the window is refused ' +
      'as a replay (401 `request_replayed`).',
  },
  apiKeySignature: {
    name: 'X-Api-Signature',
    description:
      "The lowercase hex HMAC-SHA256, under the key's secret, of `timestamp\\nnonce\\nMETHOD\\npath?query\\nhex(sha256(body))`: " +
      'the X-Api-Timestamp and X-Api-Nonce values, the method in capitals, the path and query as sent (no `?` without ' +
      'a query), and the hex SHA-256 of the body as sent (of no bytes when there is none), joined by newlines.',
  },
} as const;

/** A guarded route takes either credential, or a bearer token only behind a guard marked `takesBearerOnly`. */
const EITHER_CREDENTIAL: Array<Record<string, string[]>> = [
  { bearer: [] },
  Object.fromEntries(Object.keys(API_KEY_HEADERS).map((scheme) => [scheme, []])),
];
const BEARER_ONLY: Array<Record<string, string[]>> = [{ bearer: [] }];

const bearerOnlyGuards = new WeakSet<object>();

/** Marks a guard that refuses API keys, so that the routes behind it name only the bearer token. */
export function takesBearerOnly<G extends object>(guard: G): G {
  bearerOnlyGuards.add(guard);
  return guard;
}

/** The credentials a route behind these guards takes. */
export const routeSecurity = (guards: readonly object[]): Array<Record<string, string[]>> =>
  guards.some((guard) => bearerOnlyGuards.has(guard)) ? BEARER_ONLY : EITHER_CREDENTIAL;

export function registerSecuritySchemes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  for (const [scheme, header] of Object.entries(API_KEY_HEADERS)) {
    app.openAPIRegistry.registerComponent('securitySchemes', scheme, { type: 'apiKey', in: 'header', ...header });
  }
}
