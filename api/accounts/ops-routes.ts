/** Operators' account administration: user groups, account types, and a user's group and type. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import {
  changeAccount,
  insertAccountType,
  insertGroup,
  listAccountTypes,
  listGroups,
  type Named,
} from '../../services/accounts/groups-store.js';
import { userById } from '../../services/users-auth/client.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

const Slug = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be 1-40 lowercase letters, digits, _ or -, starting with a letter')
  .openapi({ example: 'vip' });
const NamedView = z.object({ id: Slug, name: z.string().min(1).max(100) }).openapi('NamedKind');
const AccountChange = z
  .strictObject({ group_id: Slug.nullable().optional(), account_type: Slug.optional() })
  // an empty change is a mistake (or a missing body), not a no-op to accept; the document says so too (minProperties)
  .refine((change) => change.group_id !== undefined || change.account_type !== undefined, {
    message: 'give group_id, account_type or both',
    path: ['group_id'],
  })
  .openapi('AccountChange', { description: 'group_id null takes the user out of any group', minProperties: 1 });

const AccountView = z
  .object({ id: z.uuid(), group_id: z.string().nullable(), account_type: z.string(), verification_level: z.number().int() })
  .openapi('Account');

const view = (n: Named) => ({ id: n.id, name: n.name });

export function accountOpsRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  for (const kind of ['groups', 'account-types'] as const) {
    const words = kind === 'groups' ? 'User groups' : 'Account types';
    const list = kind === 'groups' ? listGroups : listAccountTypes;
    const insert = kind === 'groups' ? insertGroup : insertAccountType;
    app.openapi(
      guardedRoute(guards.operator, {
        method: 'get',
        path: `/v1/ops/${kind}`,
        tags: ['operations'],
        summary: words,
        responses: { 200: jsonResponse(words, z.object({ data: z.array(NamedView) })), ...problems(401, 403) },
      }),
      async (c) => c.json({ data: (await list(deps.sql)).map(view) }, 200),
    );
    app.openapi(
      guardedRoute(guards.admin, {
        method: 'post',
        path: `/v1/ops/${kind}`,
        tags: ['operations'],
        summary: `Create one of the ${words.toLowerCase()}`,
        request: jsonBody(NamedView),
        responses: { 201: jsonResponse('Created', NamedView), ...problems(400, 401, 403, 409, 415) },
      }),
      async (c) => {
        const { id, name } = c.req.valid('json');
        if (!(await insert(deps.sql, id, name))) {
          throw new DomainError(ErrorCode.Conflict, `${id} exists`, [{ path: 'id', message: 'is taken' }]);
        }
        deps.log.info({ admin: c.get('user').id, kind, id }, 'account kind created');
        return c.json({ id, name }, 201);
      },
    );
  }

  app.openapi(
    guardedRoute(guards.admin, {
      method: 'put',
      path: '/v1/ops/users/{id}/account',
      tags: ['operations'],
      summary: 'Put a user in a group (whose settings then apply to them) or change their account type',
      request: { params: z.object({ id: z.uuid() }), ...jsonBody(AccountChange) },
      responses: { 200: jsonResponse('Updated', AccountView), ...problems(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const outcome = await changeAccount(deps.sql, id, { groupId: body.group_id, accountType: body.account_type });
      if (outcome === 'no_user') throw new DomainError(ErrorCode.NotFound, 'no such user');
      if (outcome !== 'ok') {
        const path = outcome === 'no_group' ? 'group_id' : 'account_type';
        throw new DomainError(ErrorCode.ValidationFailed, `${path} does not exist`, [{ path, message: 'does not exist' }]);
      }
      deps.users.userChanged(id);
      deps.log.info({ admin: c.get('user').id, user: id, ...body }, 'account changed');
      const user = (await userById(deps.sql, id))!;
      return c.json(
        { id, group_id: user.groupId, account_type: user.accountType, verification_level: user.verificationLevel },
        200,
      );
    },
  );
}
