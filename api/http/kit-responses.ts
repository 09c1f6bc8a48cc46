/**
 * The statuses the HTTP kit gives any route of a given shape, added to every operation of the OpenAPI document so
 * none is forgotten: 400 when it takes parameters or a body (validation), 413 and 415 when it takes a body (size
 * limit, media type), 401 and 403 when it needs credentials (no or bad credentials; an IP allow-list or an API key's
 * scope), and 408 everywhere (the request timeout). A route declares its own statuses (404, 409, 422…) beside it.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { problems } from './schemas.js';

type OpenAPIObject = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

export function withKitResponses(document: OpenAPIObject): OpenAPIObject {
  const problem = (status: number) => ({
    description: problems(status)[status]!.description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  });
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, any>)[method];
      if (!operation) continue;
      const statuses = [408];
      if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody) statuses.push(400);
      if (operation.requestBody) statuses.push(413, 415);
      if ((operation.security ?? document.security ?? []).length > 0) statuses.push(401, 403);
      for (const status of statuses) operation.responses[String(status)] ??= problem(status);
    }
  }
  return document;
}
