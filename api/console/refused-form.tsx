/**
 * A form the server refused (a field that does not parse, or a rule of the service saying no) comes back on the page it
 * was sent from, as the operator typed it, with why beside the field at fault and at the top of the page. One way for
 * every console form: a refusal used to be a bare page, and what was typed was lost with the form.
 */
import type { Handler } from 'hono';
import { createContext } from 'hono/jsx';
import { DomainError } from '../../domain/errors.js';
import { ApiError, statusFor } from '../http/problem.js';
import { unavailableMessage, unavailableService } from '../http/unavailable-service.js';
import type { ConsoleEnv, RefusedForm } from './env.js';

/** The hidden field that tells apart the rows' forms of a page that repeats one form per row. */
export const ROW_FIELD = '_row';

/** The refused form of the page being rendered (render.tsx provides it), for its PostForm to recognise itself. */
export const PageRefusal = createContext<RefusedForm | null>(null);
/** The refused form, inside that form only: its fields show what was sent and their errors (ui.tsx). */
export const FormRefusal = createContext<RefusedForm | null>(null);

/**
 * What a refusal says, when the page can show it beside the form: not a failure of ours (a service out of reach is
 * none: the form is to be sent again shortly), and not "sign in", "not
 * allowed" or "gone", which are pages of their own (the page itself would be refused or gone too).
 */
function refusalOf(error: unknown): Pick<RefusedForm, 'message' | 'issues' | 'status'> | null {
  const unavailable = unavailableService(error);
  if (unavailable) return { message: unavailableMessage(unavailable), issues: [], status: 503 };
  if (!(error instanceof DomainError || error instanceof ApiError)) return null;
  const status = statusFor(error.code);
  if (status === 401 || status === 403 || status === 404) return null;
  return { message: error.message, issues: error.issues, status };
}

/**
 * A form's action whose refusal renders the form's page again (`page`, the handler of the page the form is on, reading
 * the same path parameters) with the form as it was sent.
 */
export function refusable(page: Handler<ConsoleEnv>, action: Handler<ConsoleEnv>): Handler<ConsoleEnv> {
  return async (c, next) => {
    try {
      return await action(c, next);
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      const sent = Object.entries(await c.req.parseBody()).filter(
        (field): field is [string, string] => typeof field[1] === 'string' && field[0] !== '_csrf',
      );
      const values = Object.fromEntries(sent);
      c.set('refusedForm', { action: c.req.path, row: values[ROW_FIELD] ?? '', values, ...refusal });
      return page(c, next);
    }
  };
}

/** The refusal at the top of the page, with what it names that is no field of the form (an unticked confirmation). */
export function RefusalAlert(props: { refused: RefusedForm }) {
  const elsewhere = props.refused.issues.filter((i) => !(i.path in props.refused.values));
  return (
    <p class="error" role="alert">
      Not done: {props.refused.message}
      {elsewhere.length > 0 && ` (${elsewhere.map((i) => i.message).join('; ')})`}
    </p>
  );
}
