/**
 * A local stand-in for SumSub: its REST API as our client uses it (applicants, SDK access tokens), refusing any
 * request whose X-App-Access-Sig is not the HMAC SumSub documents, and its webhooks, signed with X-Payload-Digest.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { freePort } from './ports.js';

export interface SumsubDouble {
  url: string;
  appToken: string;
  secretKey: string;
  webhookSecret: string;
  /** Applicants by id, as created through the API. */
  applicants: Map<string, { externalUserId: string; levelName: string }>;
  /** Requests refused for their signature. */
  refused: number;
  /** Reviews the applicant and posts `applicantReviewed` to `webhookUrl`, signed. */
  review(
    applicantId: string,
    answer: 'GREEN' | 'RED',
    options?: { rejectLabels?: string[]; levelName?: string },
  ): Promise<Response>;
  /** Posts a body to the webhook URL with the given digest headers (a forged one, for tests). */
  post(body: string, headers: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startSumsubDouble(webhookUrl: () => string): Promise<SumsubDouble> {
  const appToken = `sbx:${randomBytes(12).toString('hex')}`;
  const secretKey = randomBytes(16).toString('hex');
  const webhookSecret = randomBytes(16).toString('hex');
  const applicants = new Map<string, { externalUserId: string; levelName: string }>();
  const double = { refused: 0 };

  const reply = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const ts = String(req.headers['x-app-access-ts'] ?? '');
    const expected = createHmac('sha256', secretKey)
      .update(ts + req.method + req.url + body)
      .digest('hex');
    const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 60;
    if (req.headers['x-app-token'] !== appToken || req.headers['x-app-access-sig'] !== expected || !fresh) {
      double.refused++;
      return reply(res, 401, {
        description: 'Request signature mismatch',
        code: 401,
        correlationId: randomBytes(8).toString('hex'),
      });
    }
    const url = new URL(req.url!, 'http://sumsub');
    const byExternal = /^\/resources\/applicants\/-;externalUserId=([^/]+)\/one$/.exec(url.pathname);
    if (req.method === 'POST' && url.pathname === '/resources/applicants') {
      const { externalUserId } = JSON.parse(body) as { externalUserId: string };
      const levelName = url.searchParams.get('levelName') ?? '';
      if ([...applicants.values()].some((a) => a.externalUserId === externalUserId)) {
        return reply(res, 409, { description: `Applicant with external user id '${externalUserId}' already exists`, code: 409 });
      }
      const id = randomBytes(12).toString('hex');
      applicants.set(id, { externalUserId, levelName });
      return reply(res, 201, {
        id,
        externalUserId,
        createdAt: new Date().toISOString(),
        review: { reviewStatus: 'init' },
        type: 'individual',
      });
    }
    if (req.method === 'GET' && byExternal) {
      const externalUserId = decodeURIComponent(byExternal[1]!);
      const found = [...applicants].find(([, a]) => a.externalUserId === externalUserId);
      return found ? reply(res, 200, { id: found[0], externalUserId }) : reply(res, 404, { description: 'Not found', code: 404 });
    }
    if (req.method === 'POST' && url.pathname === '/resources/accessTokens/sdk') {
      const { userId } = JSON.parse(body) as { userId: string };
      return reply(res, 200, { token: `_act-sbx-${randomBytes(16).toString('hex')}`, userId });
    }
    return reply(res, 404, { description: 'Not found', code: 404 });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => reply(res, 500, { description: String(error), code: 500 }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  const post = (body: string, headers: Record<string, string>) =>
    fetch(webhookUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  return Object.assign(double, {
    url: `http://127.0.0.1:${port}`,
    appToken,
    secretKey,
    webhookSecret,
    applicants,
    post,
    review(applicantId: string, answer: 'GREEN' | 'RED', options: { rejectLabels?: string[]; levelName?: string } = {}) {
      const applicant = applicants.get(applicantId);
      const body = JSON.stringify({
        applicantId,
        inspectionId: randomBytes(12).toString('hex'),
        correlationId: randomBytes(16).toString('hex'),
        levelName: options.levelName ?? applicant?.levelName,
        externalUserId: applicant?.externalUserId,
        type: 'applicantReviewed',
        sandboxMode: true,
        reviewStatus: 'completed',
        createdAtMs: new Date().toISOString(),
        reviewResult:
          answer === 'GREEN'
            ? { reviewAnswer: 'GREEN' }
            : { reviewAnswer: 'RED', rejectLabels: options.rejectLabels ?? ['FORGERY'], reviewRejectType: 'FINAL' },
      });
      const digest = createHmac('sha256', webhookSecret).update(body).digest('hex');
      return post(body, { 'x-payload-digest': digest, 'x-payload-digest-alg': 'HMAC_SHA256_HEX' });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
