/**
 * The outside world of notifications for tests and benches: a Telegram Bot API double (`POST /bot<token>/<method>`,
 * answering `{ ok, result }` or `{ ok: false, error_code, description }` as api.telegram.org does, and refusing
 * MarkdownV2 with an unescaped reserved character as Telegram does, and answering 429 with `retry_after` for the chats a
 * test rate-limits) and Slack incoming webhooks (`POST /slack/<name>`,
 * answering the status the test set for that hook). It records what it received, and it can deliver an update to a
 * bot's webhook, as Telegram does when a user writes to the bot.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TelegramMessage {
  chat_id: string;
  text: string;
  parse_mode?: string;
}

export interface SlackPost {
  hook: string;
  text: string;
  status: number;
}

/** Characters MarkdownV2 reserves that are never formatting on their own: unescaped, Telegram refuses the message. */
const ALWAYS_ESCAPED = new Set(['.', '!', '-', '=', '+', '#', '{', '}', '(', ')', '|', '>']);

function markdownV2Problem(text: string): string | null {
  let inCode = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '`') inCode = !inCode;
    else if (!inCode && ALWAYS_ESCAPED.has(c))
      return `Bad Request: can't parse entities: Character '${c}' is reserved and must be escaped with the preceding '\\'`;
  }
  return null;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

export class TelegramSlackDouble {
  readonly telegram: TelegramMessage[] = [];
  readonly slack: SlackPost[] = [];
  /** Status each Slack hook answers (default 200 "ok"). */
  readonly slackStatus = new Map<string, number>();
  private messageId = 0;
  /** Chats whose next sendMessage calls answer 429 Too Many Requests with this retry_after (seconds), and how many. */
  readonly tooManyRequests = new Map<string, { retryAfter: number; times: number }>();
  /** When each refused or accepted sendMessage arrived, per chat: to check a sender waited as asked. */
  readonly sendTimes = new Map<string, number[]>();
  /** Updates waiting for getUpdates (a bot without a webhook). */
  private readonly pending: Array<Record<string, unknown> & { update_id: number }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly token: string,
  ) {}

  static async start(token = '123456:TEST-token-for-the-bot-api-double'): Promise<TelegramSlackDouble> {
    let double: TelegramSlackDouble | undefined;
    const server = createServer((request, response) => {
      double!.handle(request).then(
        ({ status, body }) => {
          response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
          response.end(typeof body === 'string' ? body : JSON.stringify(body));
        },
        (error: Error) => {
          response.writeHead(500).end(error.message);
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    double = new TelegramSlackDouble(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token);
    return double;
  }

  slackHook(name: string, status = 200): string {
    this.slackStatus.set(name, status);
    return `${this.url}/slack/${name}`;
  }

  messagesTo(chatId: string): TelegramMessage[] {
    return this.telegram.filter((m) => m.chat_id === chatId);
  }

  /** Delivers a user's message to the bot's webhook, with the secret token Telegram sends. */
  async writeToBot(webhookUrl: string, secret: string, chatId: number, text: string): Promise<Response> {
    return fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify(this.update(chatId, text)),
    });
  }

  /** Keeps a user's message for the bot's next getUpdates (a bot without a webhook). */
  queueForBot(chatId: number, text: string): void {
    this.pending.push(this.update(chatId, text));
  }

  private update(chatId: number, text: string) {
    return {
      update_id: ++this.messageId,
      message: {
        message_id: this.messageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: chatId, type: 'private' },
        from: { id: chatId, username: `user${chatId}` },
        text,
      },
    };
  }

  private async handle(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const path = request.url ?? '';
    if (request.method !== 'POST') return { status: 405, body: 'method not allowed' };
    const slack = /^\/slack\/([\w-]+)$/.exec(path);
    if (slack) {
      const { text } = await readJson(request);
      const status = this.slackStatus.get(slack[1]!) ?? 404;
      this.slack.push({ hook: slack[1]!, text: String(text), status });
      return status === 200 ? { status, body: 'ok' } : { status, body: status === 404 ? 'no_service' : 'internal_error' };
    }
    const bot = /^\/bot([^/]+)\/(\w+)$/.exec(path);
    if (!bot) return { status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } };
    if (bot[1] !== this.token) return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
    const params = await readJson(request);
    if (bot[2] === 'getUpdates') {
      // updates before the offset are confirmed and forgotten, as Telegram does
      const offset = Number(params.offset ?? 0);
      while (this.pending.length > 0 && this.pending[0]!.update_id < offset) this.pending.shift();
      return { status: 200, body: { ok: true, result: [...this.pending] } };
    }
    if (bot[2] !== 'sendMessage')
      return { status: 404, body: { ok: false, error_code: 404, description: 'Not Found: method not found' } };
    const text = String(params.text ?? '');
    if (!params.chat_id || text === '')
      return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message text is empty' } };
    const chat = String(params.chat_id);
    this.sendTimes.set(chat, [...(this.sendTimes.get(chat) ?? []), Date.now()]);
    const limited = this.tooManyRequests.get(chat);
    if (limited && limited.times > 0) {
      limited.times--;
      return {
        status: 429,
        body: {
          ok: false,
          error_code: 429,
          description: `Too Many Requests: retry after ${limited.retryAfter}`,
          parameters: { retry_after: limited.retryAfter },
        },
      };
    }
    if (params.parse_mode === 'MarkdownV2') {
      const problem = markdownV2Problem(text);
      if (problem) return { status: 400, body: { ok: false, error_code: 400, description: problem } };
    }
    this.telegram.push({ chat_id: String(params.chat_id), text, parse_mode: params.parse_mode as string | undefined });
    return {
      status: 200,
      body: {
        ok: true,
        result: {
          message_id: ++this.messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(params.chat_id), type: 'private' },
          text,
        },
      },
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
