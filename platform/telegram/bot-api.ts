/**
 * The Telegram Bot API over HTTPS (core.telegram.org/bots/api): `POST <api url>/bot<token>/<method>` with JSON, answered
 * `{ ok, result }` or `{ ok: false, error_code, description, parameters }`. The base URL is configurable so tests talk
 * to a local double speaking the same JSON.
 */
const TIMEOUT_MS = 10_000;

export interface TelegramBotSettings {
  token: string;
  apiUrl: string;
  username: string | null;
  webhookSecret: string | null;
}

export class TelegramApiError extends Error {
  constructor(
    readonly method: string,
    readonly status: number,
    description: string,
    /** Seconds Telegram asks us to wait (429 Too Many Requests). */
    readonly retryAfter: number | null,
  ) {
    super(`Telegram ${method} answered ${status}: ${description}`);
  }

  /** A refusal that trying again will not change: a bad request, a bot blocked by the user, an unknown chat. */
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 429;
  }
}

export class TelegramBotApi {
  constructor(private readonly settings: Pick<TelegramBotSettings, 'token' | 'apiUrl'>) {}

  async call<T>(method: string, params: Record<string, unknown>): Promise<T> {
    const response = await fetch(`${this.settings.apiUrl}/bot${this.settings.token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const answer = (await response.json().catch(() => null)) as {
      ok?: boolean;
      result?: T;
      description?: string;
      parameters?: { retry_after?: number };
    } | null;
    if (!response.ok || !answer?.ok)
      throw new TelegramApiError(
        method,
        response.status,
        answer?.description ?? response.statusText,
        answer?.parameters?.retry_after ?? null,
      );
    return answer.result as T;
  }

  /** Sends a message in MarkdownV2 (values already escaped by the caller). */
  sendMessage(chatId: string, text: string): Promise<{ message_id: number }> {
    return this.call('sendMessage', {
      chat_id: chatId,
      text,
      parse_mode: 'MarkdownV2',
      link_preview_options: { is_disabled: true },
    });
  }

  /** Updates after `offset` (confirming those before it), without waiting: the poller's call when no webhook is set. */
  getUpdates<Update>(offset: number | undefined): Promise<Update[]> {
    return this.call('getUpdates', { offset, timeout: 0, allowed_updates: ['message'] });
  }

  /** Sends plain text (no parse mode): replies to users in the bot's chat. */
  sendText(chatId: string, text: string): Promise<{ message_id: number }> {
    return this.call('sendMessage', { chat_id: chatId, text });
  }
}
