/**
 * Notifications for operators: broadcasts with their workflow's progress (and, for admins, cancelling one, confirmed),
 * the deliveries that failed or may not have arrived, and the templates, each editable with its preview rendered from
 * the sample event (notifications' client, as the API's routes).
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { FieldIssue } from '../../../domain/errors.js';
import { CHANNELS, TEMPLATE_EVENTS } from '../../../domain/notifications/events.js';
import {
  broadcastById,
  broadcastProgress,
  cancelBroadcast,
  checkTemplate,
  listBroadcasts,
  listDeliveries,
  listTemplates,
  templateFor,
  updateTemplate,
  type TemplateText,
} from '../../../services/notifications/client.js';
import type { ApiDeps } from '../../context.js';
import { found } from '../../http/problem.js';
import { CONSOLE_BASE, type ConsoleEnv } from '../env.js';
import { Confirmed, fieldError, parseForm, parseInput, refusedFields } from '../forms.js';
import { ADMIN_ROLES, OPERATOR_ROLES, type ConsolePage } from '../page.js';
import { refusable } from '../refused-form.js';
import { render } from '../render.js';
import { requireRoles } from '../session.js';
import { Confirm, Field, PostForm, TextArea, when } from '../ui.js';

const SHOWN = 20;
const TemplateParams = z.object({ eventType: z.enum(TEMPLATE_EVENTS), channel: z.enum(CHANNELS) });

function routes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  /** The notifications; a cancel refused (the broadcast had ended) says why on it (refused-form.tsx). */
  const notificationsList = async (c: Context<ConsoleEnv>) => {
    const [broadcasts, failed, uncertain, templates] = await Promise.all([
      listBroadcasts(deps.sql, { limit: SHOWN }),
      listDeliveries(deps.sql, { status: 'failed', limit: SHOWN }),
      listDeliveries(deps.sql, { status: 'uncertain', limit: SHOWN }),
      listTemplates(deps.sql),
    ]);
    const mayCancel = ADMIN_ROLES.includes(c.get('operator').role);
    const progress = await Promise.all(
      broadcasts.map((b) => (b.status === 'running' ? broadcastProgress(deps.temporal, b.id).catch(() => null) : null)),
    );
    return render(
      c,
      'Notifications',
      <>
        <table>
          <caption>Broadcasts, newest first</caption>
          <thead>
            <tr>
              <th>Id</th>
              <th>Title</th>
              <th>Channels</th>
              <th>Status</th>
              <th class="num">Sent</th>
              <th class="num">Failed</th>
              <th>Started</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {broadcasts.map((b, i) => (
              <tr>
                <td>{b.id}</td>
                <td>{b.title}</td>
                <td>{b.channels.join(', ')}</td>
                <td class="broadcast-status">{progress[i] ? `running, ${progress[i]!.pages} pages done` : b.status}</td>
                <td class="num">{progress[i]?.sent ?? b.sent}</td>
                <td class="num">{progress[i]?.failed ?? b.failed}</td>
                <td>{when(b.createdAt)}</td>
                <td>
                  {b.status === 'running' && mayCancel && (
                    <PostForm action={`/notifications/broadcasts/${b.id}/cancel`} csrfToken={c.get('csrfToken')} class="inline">
                      <Confirm id={`cancel-${b.id}`} what={`Stop broadcast ${b.id}: who has not got it yet never will`} />
                      <button type="submit">Cancel</button>
                    </PostForm>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <table>
          <caption>Deliveries that failed or may not have arrived, newest first</caption>
          <thead>
            <tr>
              <th>When</th>
              <th>Event</th>
              <th>Channel</th>
              <th>Target</th>
              <th>Status</th>
              <th class="num">Attempts</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {[...failed, ...uncertain]
              .sort((a, b) => Number(b.id) - Number(a.id))
              .map((d) => (
                <tr>
                  <td>{when(d.updatedAt)}</td>
                  <td>{d.eventType}</td>
                  <td>{d.channel}</td>
                  <td class="mono">{d.target}</td>
                  <td>{d.status}</td>
                  <td class="num">{d.attempts}</td>
                  <td>{d.lastError}</td>
                </tr>
              ))}
          </tbody>
        </table>
        <table>
          <caption>Templates</caption>
          <thead>
            <tr>
              <th>Event</th>
              <th>Channel</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {templates.map((t) => (
              <tr>
                <td>
                  <a href={`${CONSOLE_BASE}/notifications/templates/${t.eventType}/${t.channel}`}>{t.eventType}</a>
                </td>
                <td>{t.channel}</td>
                <td>{when(t.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>,
      { notice: c.req.query('done') === 'cancelled' ? 'Broadcast cancelled: who has not got it yet never will.' : undefined },
    );
  };
  router.get('/', notificationsList);

  /**
   * A template's form with its preview; what a save refused comes back on it, beside the field at fault, with the
   * operator's draft as they wrote it (a refused save showed only the refusal, and the draft was lost).
   */
  const templateForm = (
    c: Context<ConsoleEnv>,
    { eventType, channel }: z.infer<typeof TemplateParams>,
    draft: TemplateText,
    issues: FieldIssue[],
  ) => {
    const status = issues.length > 0 ? 400 : 200; // a save refused; a stored template that does not render still opens
    let preview: TemplateText | null = null;
    if (issues.length === 0 && draft.body !== '') {
      try {
        preview = checkTemplate(eventType, channel, draft);
      } catch (refusal) {
        issues = refusedFields(refusal) ?? [];
        if (issues.length === 0) throw refusal;
      }
    }
    const error = (field: string) => fieldError(issues, field);
    return render(
      c,
      `Template: ${eventType} by ${channel}`,
      <>
        {issues.length > 0 && (
          <p class="error" role="alert">
            The template does not render: {issues.map((i) => i.message).join('; ')}.
          </p>
        )}
        <PostForm action={`/notifications/templates/${eventType}/${channel}`} csrfToken={c.get('csrfToken')}>
          {channel === 'email' && (
            <Field name="subject" label="Subject" value={draft.subject} required error={error('subject')} />
          )}
          <TextArea
            name="body"
            label={`Body (${channel === 'email' ? 'HTML' : channel === 'telegram' ? 'MarkdownV2' : 'mrkdwn'})`}
            value={draft.body}
            rows={8}
            required
            error={error('body')}
          />
          <button type="submit">Save</button>
        </PostForm>
        {preview && (
          <>
            <h2>Preview, from the sample event</h2>
            {channel === 'email' && <p class="preview-subject">{preview.subject}</p>}
            <pre class="preview-body">{preview.body}</pre>
          </>
        )}
      </>,
      {
        status,
        notice: c.req.query('done') === 'saved' ? 'Template saved: the next notification uses it.' : undefined,
      },
    );
  };

  router.get('/templates/:eventType/:channel', async (c) => {
    const key = parseInput(TemplateParams, c.req.param());
    const saved = await templateFor(deps.sql, key.eventType, key.channel);
    return templateForm(c, key, { subject: saved?.subject ?? '', body: saved?.body ?? '' }, []);
  });

  router.post('/templates/:eventType/:channel', async (c) => {
    const key = parseInput(TemplateParams, c.req.param());
    const body = await c.req.parseBody();
    const draft = {
      subject: typeof body.subject === 'string' ? body.subject : '',
      body: typeof body.body === 'string' ? body.body : '',
    };
    try {
      const form = parseInput(z.object({ subject: z.string().max(500), body: z.string().min(1).max(20_000) }), draft);
      await updateTemplate(deps.sql, { ...key, ...form, updatedBy: c.get('operator').id });
    } catch (error) {
      const issues = refusedFields(error);
      if (issues) return templateForm(c, key, draft, issues);
      throw error;
    }
    return c.redirect(`${CONSOLE_BASE}/notifications/templates/${key.eventType}/${key.channel}?done=saved`, 303);
  });

  // as POST /v1/ops/broadcasts/{id}/cancel: an admin's decision, said on the page either way
  router.post(
    '/broadcasts/:id/cancel',
    requireRoles(ADMIN_ROLES),
    refusable(notificationsList, async (c) => {
      const { id } = parseInput(z.object({ id: z.string().regex(/^\d{1,18}$/) }), c.req.param());
      await parseForm(c, z.object({ confirm: Confirmed }));
      found(await broadcastById(deps.sql, id), 'no such broadcast');
      await cancelBroadcast(deps.temporal, id, c.get('operator').id);
      return c.redirect(`${CONSOLE_BASE}/notifications?done=cancelled`, 303);
    }),
  );
}

export const notificationsPage: ConsolePage = { path: '/notifications', title: 'Notifications', roles: OPERATOR_ROLES, routes };
