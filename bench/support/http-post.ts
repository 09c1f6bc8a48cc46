/** A POST over a keep-alive agent, cheaper per request than fetch: the load generator shares the machine. */
import { Agent, request } from 'node:http';

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

/** Sends `body` as JSON with a bearer token and an Idempotency-Key; resolves with the status once the body is read. */
export async function post(agent: Agent, url: string, token: string, idempotencyKey: string, body?: unknown): Promise<number> {
  return (await send(agent, url, token, idempotencyKey, body, false)).status;
}

/** `post`, resolving with the parsed JSON body too (a quote's id, to accept it next). */
export function postForJson<T = any>(
  agent: Agent,
  url: string,
  token: string,
  idempotencyKey: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return send(agent, url, token, idempotencyKey, body, true);
}

function send(
  agent: Agent,
  url: string,
  token: string,
  idempotencyKey: string,
  body: unknown,
  read: boolean,
): Promise<{ status: number; body: any }> {
  const payload = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'idempotency-key': idempotencyKey,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        if (read) res.on('data', (chunk: Buffer) => chunks.push(chunk));
        else res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: read && chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString()) : null,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
