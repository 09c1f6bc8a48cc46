/**
 * Text PostgreSQL cannot store as sent (`domain/unstorable-text.ts`: U+0000, an unpaired surrogate): refused for every
 * route at once by the app's validation hook (JSON bodies, forms, query strings, path parameters, declared headers)
 * and the console's middleware (its forms, query strings and paths). This tells the hook when a JSON body needs
 * walking.
 */
import type { HonoRequest } from 'hono';

/**
 * JSON text can hold neither itself, only as an escape: JSON.parse refuses a raw control character, and the body is
 * decoded from UTF-8, which has no surrogates. So `\u0000`, or `\ud800` to `\udfff` (an escape of a pair too, which
 * the walk then finds well-formed).
 */
const JSON_UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/**
 * Whether a JSON body may hold unstorable text, judged from what hono cached when the body was read: the text the JSON
 * validator parsed, or the bytes a signed request's guard read. A body without the escapes (every bet and transfer
 * but a malicious one) is then never walked. Unknown, so true, when neither is cached.
 */
export async function jsonBodyMayHoldUnstorableText(req: HonoRequest): Promise<boolean> {
  const { text, arrayBuffer } = req.bodyCache;
  if (text !== undefined) return JSON_UNSTORABLE_ESCAPE.test(await text);
  // latin1 keeps each byte one character: the escapes are ASCII
  if (arrayBuffer !== undefined) return JSON_UNSTORABLE_ESCAPE.test(Buffer.from(await arrayBuffer).toString('latin1'));
  return true;
}
