/** A POST over a keep-alive agent, cheaper per request than fetch: the load generator shares the machine. */
import { Agent, request } from 'node:http';

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

/** Sends `body` as JSON with a bearer token and an Idempotency-Key; resolves with the status once the body is read. */
export function post(agent: Agent, url: string, token: string, idempotencyKey: string, body: unknown): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'idempotency-key': idempotencyKey,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
