/**
 * KYC: the user starts verification (an applicant at the provider and a WebSDK token), reads where it stands; the
 * provider's webhook reports reviews; operators set the outcome by hand.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import {
  receiveWebhook,
  setVerificationByOperator,
  startVerification,
  type VerificationDeps,
} from '../../services/verification/service.js';
import { applicantOfUser, VERIFICATION_STATUSES, verificationOf } from '../../services/verification/store.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

const Status = z.enum(VERIFICATION_STATUSES);
const VerificationView = z
  .object({
    status: Status,
    level: z.number().int(),
    level_name: z.string().nullable(),
    reject_labels: z.array(z.string()),
  })
  .openapi('Verification');

export function verificationRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  function kyc(): VerificationDeps {
    if (!deps.kyc) throw new DomainError(ErrorCode.Unavailable, 'identity verification is not configured (SUMSUB_*)');
    return { sql: deps.sql, log: deps.log, userChanged: (id) => deps.users.userChanged(id), ...deps.kyc };
  }

  app.openapi(
    guardedRoute(guards.session, {
      method: 'post',
      path: '/v1/verification/start',
      tags: ['account'],
      summary: 'Start identity verification: creates the applicant at the provider and returns its WebSDK access token',
      // the body is optional: without one, the default level
      request: { body: { ...jsonBody(z.object({ level_name: z.string().min(1).max(64).optional() })).body, required: false } },
      responses: {
        200: jsonResponse(
          'Started',
          z.object({ applicant_id: z.string(), level_name: z.string(), access_token: z.string() }).openapi('VerificationStart'),
        ),
        ...problems(400, 401, 403, 415, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = c.get('user');
      const started = await startVerification(kyc(), user, body?.level_name);
      deps.log.info({ user: user.id, applicant: started.applicantId, level: started.levelName }, 'verification started');
      return c.json({ applicant_id: started.applicantId, level_name: started.levelName, access_token: started.accessToken }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/verification',
      tags: ['account'],
      summary: 'Where identity verification stands: status, level, and the rejection labels when rejected',
      responses: { 200: jsonResponse('Verification', VerificationView), ...problems(401, 403) },
    }),
    async (c) => {
      const id = c.get('user').id;
      const [state, applicant] = await Promise.all([verificationOf(deps.sql, id), applicantOfUser(deps.sql, id)]);
      return c.json(
        {
          status: state!.status,
          level: state!.level,
          level_name: applicant?.levelName ?? null,
          reject_labels: applicant?.rejectLabels ?? [],
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/webhooks/kyc',
      tags: ['webhooks'],
      summary: "The KYC provider's webhook (SumSub's applicantReviewed and others), signed with X-Payload-Digest",
      request: {
        headers: z.object({
          'x-payload-digest': z.string().max(256).optional(),
          'x-payload-digest-alg': z.enum(['HMAC_SHA1_HEX', 'HMAC_SHA256_HEX', 'HMAC_SHA512_HEX']).optional(),
        }),
      },
      responses: {
        200: jsonResponse('Received', z.object({ result: z.enum(['applied', 'ignored']) })),
        ...problems(400, 401, 503),
      },
    }),
    async (c) => {
      const headers = c.req.valid('header');
      // the digest covers the body's exact bytes, so it is read raw and parsed only once it is trusted
      const body = await c.req.text();
      const result = await receiveWebhook(kyc(), {
        body,
        digest: headers['x-payload-digest'],
        algorithm: headers['x-payload-digest-alg'],
      });
      return c.json({ result }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'put',
      path: '/v1/ops/users/{id}/verification',
      tags: ['operations'],
      summary: "Set a user's verification status and level by hand (an operator's decision over the provider's)",
      request: {
        params: z.object({ id: z.uuid() }),
        ...jsonBody(z.object({ status: Status, level: z.number().int().min(0).max(99) })),
      },
      responses: {
        200: jsonResponse('Updated', z.object({ status: Status, level: z.number().int() })),
        ...problems(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { status, level } = c.req.valid('json');
      await setVerificationByOperator(
        { sql: deps.sql, log: deps.log, userChanged: (userId) => deps.users.userChanged(userId) },
        { operatorId: c.get('user').id, userId: id, status, level },
      );
      return c.json({ status, level }, 200);
    },
  );
}
