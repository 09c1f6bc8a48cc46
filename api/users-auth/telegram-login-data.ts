/** The Login Widget's data as a request carries it: to sign in, to link Telegram, to prove ownership by Telegram. */
import { z } from '@hono/zod-openapi';

/**
 * The widget's fields as Telegram sent them: any field it adds later is part of the signed data, so all are kept. The
 * numbers' bounds are written out so the document says them (an integer is a safe one).
 */
export const LoginWidgetData = z
  .object({
    id: z
      .union([z.number().int().positive().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,19}$/)])
      .openapi({ example: 123456789 }),
    auth_date: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).openapi({ example: 1764547200 }),
    hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits')
      .openapi({ example: 'a'.repeat(64) }),
    first_name: z.string().max(256).optional(),
    last_name: z.string().max(256).optional(),
    username: z.string().max(64).optional(),
    photo_url: z.string().max(1024).optional(),
  })
  .catchall(z.union([z.string().max(1024), z.number()]))
  .openapi('TelegramLoginData', { description: 'The Login Widget callback data, unchanged' });
