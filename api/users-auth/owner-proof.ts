/**
 * The owner proof in a request (services/users-auth/owner-proof.ts): every route that changes how the user signs in
 * or what signs in for them takes these fields, so the rule and its document are written once.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { proveOwner } from '../../services/users-auth/owner-proof.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { clientIp } from '../http/client-ip.js';
import { signInGuard } from '../http/sign-in-guard.js';
import { LoginWidgetData } from './telegram-login-data.js';

export const TotpCode = z
  .string()
  .regex(/^\d{6}$/, 'must be 6 digits')
  .openapi({ example: '123456' });

const OwnerProofFields = {
  current_password: z.string().min(1).max(256).optional().openapi({ description: "The caller's current password" }),
  telegram_auth: LoginWidgetData.optional().openapi({
    description:
      'Instead of current_password, for an account made from Telegram (it has no password of its own): fresh Login Widget data for its linked Telegram account',
  }),
  totp: TotpCode.optional().openapi({ description: 'A current code, required when two-factor authentication is enabled' }),
};
type OwnerProofBody = { current_password?: string; telegram_auth?: z.infer<typeof LoginWidgetData>; totp?: string };

const exactlyOneProof = (body: { current_password?: unknown; telegram_auth?: unknown }, ctx: z.RefinementCtx) => {
  if (body.current_password !== undefined && body.telegram_auth !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['telegram_auth'], message: 'give either current_password or telegram_auth, not both' });
  } else if (body.current_password === undefined && body.telegram_auth === undefined) {
    ctx.addIssue({ code: 'custom', path: ['current_password'], message: 'is required (or telegram_auth)' });
  }
};

/** The request's own fields plus the owner proof: exactly one of current_password and telegram_auth, and totp. */
export function withOwnerProof<Shape extends z.ZodRawShape>(base: z.ZodObject<Shape>) {
  return base
    .extend(OwnerProofFields)
    .superRefine(exactlyOneProof)
    .openapi({
      description: 'Proof of ownership: exactly one of current_password and telegram_auth, and totp with two-factor on',
      oneOf: [{ required: ['current_password'] }, { required: ['telegram_auth'] }],
    });
}

/** Proves the body's owner proof for the signed-in caller, or throws the refusal naming its field. */
export function requireOwnerProof(c: Context<AppEnv>, deps: ApiDeps, body: OwnerProofBody) {
  const user = c.get('user');
  return proveOwner(signInGuard(deps), deps.settings.accounts.telegram, {
    userId: user.id,
    email: user.email,
    ip: clientIp(c, deps.settings.trustProxy),
    password: body.current_password,
    telegramAuth: body.telegram_auth,
    totp: body.totp,
  });
}
