/**
 * One POST to a merchant's endpoint (or an operator's Slack hook), bounded: a deadline for the whole exchange, a response read only up to its
 * excerpt, redirects never followed (node:http does not follow them), and, unless private targets are allowed, a
 * connection only to public addresses checked after DNS resolution (services/webhooks/outbound-address.ts). node:http
 * rather than fetch: the built-in fetch cannot pin its connection to the address we checked.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ATTEMPT_TIMEOUT_MS, RESPONSE_EXCERPT_BYTES } from '../../domain/webhooks/delivery.js';
import { checkedLookup, literalAddress, nonPublicReason, RefusedTarget } from './outbound-address.js';

export type PostResult =
  | { kind: 'answered'; status: number; excerpt: string; latencyMs: number }
  /** No answer: a network error or the deadline passed (retried). */
  | { kind: 'no_answer'; error: string; latencyMs: number }
  /** The target is not a public address (final: retrying would not change it). */
  | { kind: 'refused'; error: string; latencyMs: number };

export interface PostOptions {
  allowPrivate: boolean;
  timeoutMs?: number;
}

export async function postWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<PostResult> {
  const started = performance.now();
  const latencyMs = () => Math.round(performance.now() - started);
  const url = new URL(target);
  const literal = literalAddress(url);
  const literalReason = literal && !options.allowPrivate ? nonPublicReason(literal) : null;
  if (literalReason) return { kind: 'refused', error: `${literal} is ${literalReason}`, latencyMs: latencyMs() };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  try {
    const { status, excerpt } = await new Promise<{ status: number; excerpt: string }>((resolve, reject) => {
      const req = send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        signal: AbortSignal.timeout(options.timeoutMs ?? ATTEMPT_TIMEOUT_MS),
        agent: false,
        ...(options.allowPrivate ? {} : { lookup: checkedLookup }),
      });
      req.once('error', reject);
      req.once('response', (res) =>
        readExcerpt(res).then((excerpt) => resolve({ status: res.statusCode ?? 0, excerpt }), reject),
      );
      req.end(body);
    });
    return { kind: 'answered', status, excerpt, latencyMs: latencyMs() };
  } catch (error) {
    if (error instanceof RefusedTarget) return { kind: 'refused', error: error.message, latencyMs: latencyMs() };
    const message = error instanceof Error && error.name === 'AbortError' ? 'no answer within the deadline' : String(error);
    return { kind: 'no_answer', error: message, latencyMs: latencyMs() };
  }
}

/**
 * The first RESPONSE_EXCERPT_BYTES of the body as text; the rest is never read (the socket is dropped). U+0000 becomes
 * U+FFFD: PostgreSQL's text cannot hold it, and a binary or compressed answer (gzip's header) holds it, so recording
 * the attempt failed and the activity's retries posted the event again and again.
 */
function readExcerpt(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      res.destroy();
      resolve(Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8').replaceAll('\0', '\uFFFD'));
    };
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_EXCERPT_BYTES) done();
    });
    res.once('end', done);
    res.once('error', reject);
  });
}
