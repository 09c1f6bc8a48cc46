/**
 * Templates rendered with Handlebars, logic-less: placeholders, `#if`/`#unless`/`#each`/`#with`, no custom helpers or
 * partials. Values are escaped for the channel's markup before they reach the template (the engine's own HTML escaping
 * is off), and a template is checked against its event's sample when saved: one that would not render is refused then,
 * with the placeholder named, never at send time.
 */
import Handlebars from 'handlebars';
import { ESCAPERS } from '../../domain/notifications/escape.js';
import { SAMPLE_EVENTS, type Channel, type TemplateEvent } from '../../domain/notifications/events.js';
import type { Notification } from './store.js';
import { extended } from '../../domain/objects.js';

const engine = Handlebars.create();
const COMPILE_OPTIONS = { strict: true, noEscape: true, knownHelpersOnly: true } as const;

export interface TemplateText {
  /** Mail only: the subject line (plain text, so its values are not escaped). */
  subject: string;
  body: string;
}

export class TemplateError extends Error {
  constructor(
    message: string,
    /** Which part of the template: `subject` or `body`. */
    readonly field: 'subject' | 'body',
    /** The placeholder that has no value in the event, when that is the fault. */
    readonly placeholder?: string,
  ) {
    super(message);
  }
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();

function compile(source: string, field: 'subject' | 'body'): HandlebarsTemplateDelegate {
  let template = compiled.get(source);
  if (template) return template;
  try {
    const ast = engine.parse(source);
    template = engine.compile(ast, COMPILE_OPTIONS);
    uncheckedConditions.set(template, conditionPaths(ast));
  } catch (error) {
    throw new TemplateError(`the ${field} does not parse: ${(error as Error).message.split('\n')[0]}`, field);
  }
  if (compiled.size > 1_000) compiled.clear();
  compiled.set(source, template);
  return template;
}

/** Strict mode does not check the values `#if` and `#unless` test; these are checked against the event instead. */
const uncheckedConditions = new WeakMap<HandlebarsTemplateDelegate, string[]>();

/** Collects the top-level names `#if` and `#unless` test. */
class ConditionPaths extends Handlebars.Visitor {
  readonly paths: string[] = [];

  override BlockStatement(block: hbs.AST.BlockStatement): void {
    const helper = (block.path as hbs.AST.PathExpression).original;
    if (helper === 'if' || helper === 'unless') {
      for (const param of block.params) {
        const path = param as hbs.AST.PathExpression;
        if (path.type === 'PathExpression' && !path.data && path.depth === 0 && path.parts.length > 0)
          this.paths.push(path.parts[0]!);
      }
    }
    super.BlockStatement(block);
  }
}

function conditionPaths(ast: hbs.AST.Program): string[] {
  const visitor = new ConditionPaths();
  visitor.accept(ast);
  return visitor.paths;
}

/** The event's values escaped for the channel, at every depth. */
function escapeValues(value: unknown, escape: (text: string) => string): unknown {
  if (typeof value === 'string') return escape(value);
  if (typeof value === 'number' || typeof value === 'bigint') return escape(String(value));
  if (Array.isArray(value)) return value.map((v) => escapeValues(v, escape));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeValues(v, escape)]));
  return value;
}

function run(source: string, field: 'subject' | 'body', values: Record<string, unknown>): string {
  const template = compile(source, field);
  const missing = uncheckedConditions.get(template)!.find((name) => !(name in values));
  if (missing) throw new TemplateError(`unknown placeholder "${missing}" in the ${field}`, field, missing);
  try {
    return template(values);
  } catch (error) {
    const message = (error as Error).message;
    const placeholder = /^"([^"]+)" not defined/.exec(message)?.[1];
    if (placeholder) throw new TemplateError(`unknown placeholder "${placeholder}" in the ${field}`, field, placeholder);
    throw new TemplateError(`the ${field} does not render: ${message.split('\n')[0]}`, field);
  }
}

/** Renders a template for a channel; the values are the event (its notification's body, title, severity and kind). */
export function renderTemplate(template: TemplateText, channel: Channel, event: Record<string, unknown>): TemplateText {
  return {
    subject: channel === 'email' ? run(template.subject, 'subject', event) : '',
    body: run(template.body, 'body', escapeValues(event, ESCAPERS[channel]) as Record<string, unknown>),
  };
}

/** A recorded notification as its templates see it: its body, with its kind, title and severity. */
export const notificationEvent = (n: Pick<Notification, 'body' | 'kind' | 'title' | 'severity'>): Record<string, unknown> =>
  extended(n.body, { kind: n.kind, title: n.title, severity: n.severity });

/** The sample event of a type, as its templates see it. */
export const sampleEvent = (type: TemplateEvent): Record<string, unknown> => ({ kind: type, ...SAMPLE_EVENTS[type] });

/** Renders a template with its event's sample: what the preview shows, and what saving checks (throws TemplateError). */
export const previewTemplate = (type: TemplateEvent, channel: Channel, template: TemplateText) =>
  renderTemplate(template, channel, sampleEvent(type));
