/**
 * U+0000 in the API's input (`domain/nul-characters.ts`): refused for every route at once by the app's validation hook
 * (JSON bodies, forms, query strings, path parameters, declared headers) and the console's middleware (its forms,
 * query strings and paths). This tells the hook when a JSON body needs walking.
 */
import type { HonoRequest } from 'hono';

/** JSON text cannot hold U+0000 itself (JSON.parse refuses the raw control character), only this escape. */
const JSON_NUL_ESCAPE = '\\u0000';

/**
 * Whether a JSON body may hold U+0000, judged from what hono cached when the body was read: the text the JSON validator
 * parsed, or the bytes a signed request's guard read. A body without the escape (every bet and transfer but a
 * malicious one) is then never walked. Unknown, so true, when neither is cached.
 */
export async function jsonBodyMayHoldNul(req: HonoRequest): Promise<boolean> {
  const { text, arrayBuffer } = req.bodyCache;
  if (text !== undefined) return (await text).includes(JSON_NUL_ESCAPE);
  if (arrayBuffer !== undefined) return Buffer.from(await arrayBuffer).includes(JSON_NUL_ESCAPE);
  return true;
}
