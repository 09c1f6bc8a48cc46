/**
 * Slack incoming webhooks (api.slack.com/messaging/webhooks): a JSON `{ text }` POSTed to the hook's URL, answered
 * 200 "ok". Redirects are not followed: a hook URL that redirects is a misconfiguration, not somewhere to send to.
 */
const TIMEOUT_MS = 10_000;

export class SlackWebhookError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`Slack webhook answered ${status}: ${body.slice(0, 200)}`);
  }

  /** 4xx (a revoked hook, a bad payload) will not change with a retry; 429 and 5xx may. */
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 429;
  }
}

export async function postToSlack(url: string, text: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text, mrkdwn: true }),
    redirect: 'manual',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const body = await response.text();
  if (response.status !== 200) throw new SlackWebhookError(response.status, body);
}
