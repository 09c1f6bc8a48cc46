/**
 * Escaping of the values placed in a template, one escaper per channel's markup, so an amount, an address or a
 * user's text is shown as written and never read as markup. The template's own text is the operator's markup.
 * Workflow-safe.
 */
import type { Channel } from './events.js';

const HTML: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '=': '&#61;',
};

/** Mail bodies are HTML: the characters that open tags, entities and attribute values. */
export const escapeHtml = (text: string) => text.replace(/[&<>"'`=]/g, (c) => HTML[c]!);

/**
 * Telegram MarkdownV2: every one of these characters must be preceded by a backslash outside entities
 * (core.telegram.org/bots/api#markdownv2-style), the backslash itself included.
 */
export const escapeTelegramMarkdownV2 = (text: string) => text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, (c) => `\\${c}`);

/**
 * Slack mrkdwn: only &, < and > are control characters (api.slack.com/reference/surfaces/formatting#escaping); the
 * formatting marks (*bold*, _italic_, ~strike~, `code`) are neutralised with a zero-width space after them, as Slack
 * has no escape for them.
 */
export const escapeSlackMrkdwn = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([*_~`])/g, '$1\u200b');

export const ESCAPERS: Record<Channel, (text: string) => string> = {
  email: escapeHtml,
  telegram: escapeTelegramMarkdownV2,
  slack: escapeSlackMrkdwn,
};
