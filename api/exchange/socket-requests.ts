/**
 * What a client may send on the market socket, as one schema: a frame is parsed whole before anything acts on it, so
 * `null`, a number, an array or a field of the wrong type is an error frame naming the fields (as problem+json's
 * `errors`), never an exception in the socket's handler.
 */
import { z } from 'zod';
import type { FieldIssue } from '../../domain/errors.js';

const Channels = z.array(z.string());

const SocketRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('subscribe'), channels: Channels }),
  z.object({ op: z.literal('unsubscribe'), channels: Channels }),
  z.object({ op: z.literal('auth'), token: z.string() }),
]);

export type SocketRequest = z.infer<typeof SocketRequest>;

export function parseSocketRequest(text: string): { request: SocketRequest } | { issues: FieldIssue[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { issues: [{ path: 'message', message: 'not JSON' }] };
  }
  const result = SocketRequest.safeParse(json);
  if (result.success) return { request: result.data };
  return { issues: result.error.issues.map((issue) => ({ path: issue.path.join('.') || 'message', message: issue.message })) };
}
