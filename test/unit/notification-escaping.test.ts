/** Values placed in templates are escaped for each channel's markup, and templates render or are refused by name. */
import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeSlackMrkdwn, escapeTelegramMarkdownV2 } from '../../domain/notifications/escape.js';
import { TEMPLATE_EVENTS } from '../../domain/notifications/events.js';
import { previewTemplate, renderTemplate, TemplateError } from '../../services/notifications/render.js';

describe('channel escapers', () => {
  it('HTML: tags, entities and attribute quotes', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y' = \`z\``)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#61; &#96;z&#96;',
    );
    expect(escapeHtml('0.25 ETH')).toBe('0.25 ETH');
  });

  it('Telegram MarkdownV2: every reserved character, and the backslash itself', () => {
    const reserved = '_*[]()~`>#+-=|{}.!';
    expect(escapeTelegramMarkdownV2(reserved)).toBe([...reserved].map((c) => `\\${c}`).join(''));
    expect(escapeTelegramMarkdownV2('a\\b')).toBe('a\\\\b');
    expect(escapeTelegramMarkdownV2('0.25 ETH (fee: 1.5%)!')).toBe('0\\.25 ETH \\(fee: 1\\.5%\\)\\!');
    expect(escapeTelegramMarkdownV2('plain words 42')).toBe('plain words 42');
  });

  it('Slack mrkdwn: control characters as entities, formatting marks defused', () => {
    expect(escapeSlackMrkdwn('<!channel> & <https://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;https://x|y&gt;');
    expect(escapeSlackMrkdwn('*bold* _it_ ~s~ `c`')).toBe('*\u200bbold*\u200b _\u200bit_\u200b ~\u200bs~\u200b `\u200bc`\u200b');
    expect(escapeSlackMrkdwn('0.25 ETH')).toBe('0.25 ETH');
  });
});

describe('templates', () => {
  it('escape the values for the channel, never the template text', () => {
    const template = { subject: 'Deposit of {{amount}}', body: '*{{title}}* {{amount}}' };
    const event = { title: 'a.b <c>', amount: '0.5' };
    expect(renderTemplate(template, 'telegram', event).body).toBe('*a\\.b <c\\>* 0\\.5');
    expect(renderTemplate(template, 'email', event)).toEqual({ subject: 'Deposit of 0.5', body: '*a.b &lt;c&gt;* 0.5' });
    expect(renderTemplate(template, 'slack', event).body).toBe('*a.b &lt;c&gt;* 0.5');
  });

  it('numbers and nested values are escaped too', () => {
    expect(renderTemplate({ subject: '', body: '{{n}} {{o.x}}' }, 'telegram', { n: 1.5, o: { x: 'a-b' } }).body).toBe(
      '1\\.5 a\\-b',
    );
  });

  it('refuse an unknown placeholder, naming it, in the body, the subject and in conditions', () => {
    const refused = (subject: string, body: string) => {
      try {
        previewTemplate('deposit_credited', 'email', { subject, body });
      } catch (error) {
        expect(error).toBeInstanceOf(TemplateError);
        return {
          field: (error as TemplateError).field,
          placeholder: (error as TemplateError).placeholder,
          message: (error as Error).message,
        };
      }
      throw new Error('rendered');
    };
    expect(refused('{{title}}', 'Got {{amount2}}')).toEqual({
      field: 'body',
      placeholder: 'amount2',
      message: 'unknown placeholder "amount2" in the body',
    });
    expect(refused('{{titel}}', '{{amount}}')).toMatchObject({ field: 'subject', placeholder: 'titel' });
    expect(refused('x', '{{#if memo}}{{memo}}{{/if}}')).toMatchObject({ field: 'body', placeholder: 'memo' });
  });

  it('refuse syntax errors, custom helpers and partials', () => {
    for (const body of ['{{#if}}', '{{amount', '{{#each x}}', '{{lowercase amount}}', '{{> footer}}'])
      expect(() => previewTemplate('deposit_credited', 'telegram', { subject: '', body }), body).toThrow(TemplateError);
  });

  it('accept the built-in block helpers over known values', () => {
    expect(
      previewTemplate('withdrawal_status', 'email', { subject: '{{title}}', body: '{{#if tx_hash}}tx {{tx_hash}}{{/if}}' }).body,
    ).toMatch(/^tx 0x/);
  });

  it('has a sample for every template event', () => {
    for (const type of TEMPLATE_EVENTS)
      expect(previewTemplate(type, 'email', { subject: 'x', body: '{{title}} {{kind}} {{severity}}' }).body).toContain(
        type === 'other' ? 'evm' : type,
      );
  });
});
