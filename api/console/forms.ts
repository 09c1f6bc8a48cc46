/** Form posts: parsed with a zod schema into the same field errors the JSON API gives; confirmations required. */
import type { Context } from 'hono';
import { z } from 'zod';
import { DomainError, ErrorCode, type FieldIssue } from '../../domain/errors.js';
import { ApiError } from '../http/problem.js';

/** Query strings, path parameters and forms: what does not parse is a 400 naming the fields. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || 'form',
    message: issue.message,
  }));
  throw new ApiError(ErrorCode.ValidationFailed, 'some fields need correcting', issues);
}

export async function parseForm<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  return parseInput(schema, await c.req.parseBody());
}

/** The ticked confirmation box of an action that moves money, steers a workflow or changes what someone may do. */
export const Confirmed = z.literal('yes', { error: 'tick the confirmation box' });

/** An optional text field: empty means absent. */
export const optionalText = (schema: z.ZodType<string, string>) =>
  z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(schema.optional())
    .optional();

/** What a form's save refused, field by field, to show on the form again; null for any other failure. */
export function refusedFields(error: unknown): FieldIssue[] | null {
  const refused = error instanceof DomainError || error instanceof ApiError;
  return refused && error.code === ErrorCode.ValidationFailed && error.issues.length > 0 ? error.issues : null;
}

/** What to show beside a field's input: the messages of the issues naming it. */
export function fieldError(issues: FieldIssue[], field: string): string | undefined {
  return (
    issues
      .filter((i) => i.path === field)
      .map((i) => i.message)
      .join('; ') || undefined
  );
}
