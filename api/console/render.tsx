/**
 * Renders a page in the frame, for the signed-in operator (with the form it refused, when rendered again for one); and
 * the error pages (403, 404, refused input).
 */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FieldIssue } from '../../domain/errors.js';
import type { ConsoleEnv } from './env.js';
import { fromHtmx } from './htmx.js';
import { Layout } from './layout.js';
import { PageRefusal, RefusalAlert } from './refused-form.js';

export function render(
  c: Context<ConsoleEnv>,
  title: string,
  body: Child,
  options: { status?: ContentfulStatusCode; notice?: string } = {},
) {
  const frame = { title, operator: c.get('operator'), nav: c.get('nav'), csrfToken: c.get('csrfToken'), notice: options.notice };
  const refused = c.get('refusedForm') ?? null;
  return c.html(
    <Layout {...frame}>
      <PageRefusal.Provider value={refused}>
        {refused && <RefusalAlert refused={refused} />}
        {body}
      </PageRefusal.Provider>
    </Layout>,
    options.status ?? refused?.status ?? 200,
  );
}

/** Why an action could not be done, with the fields at fault; the frame is shown when someone is signed in. */
export function errorPage(c: Context<ConsoleEnv>, status: ContentfulStatusCode, message: string, issues: FieldIssue[] = []) {
  // a refresh refused (the operator's role was taken away under it) or of what is gone (an event deleted) would be
  // dropped by htmx and tried again forever: the refusal takes the refreshing element's place, which ends its polling
  // (htmx swaps a 403 and a 404: HTMX_CONFIG)
  if ((status === 403 || status === 404) && fromHtmx(c)) {
    c.header('hx-retarget', 'this');
    c.header('hx-reswap', 'outerHTML');
    c.header('hx-reselect', 'unset');
    return c.html(
      <p class="error" role="alert">
        {message}
      </p>,
      status,
    );
  }
  const title =
    status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong' : 'Refused';
  return render(
    c,
    title,
    <>
      <p class="error" role="alert">
        {message}
      </p>
      {issues.length > 0 && (
        <ul>
          {issues.map((i) => (
            <li>
              {i.path}: {i.message}
            </li>
          ))}
        </ul>
      )}
    </>,
    { status },
  );
}
