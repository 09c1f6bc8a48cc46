/** The console's building blocks: forms that carry the CSRF token, labelled fields, confirmations, pagers, links. */
import type { Child } from 'hono/jsx';
import { CONSOLE_BASE } from './env.js';

/** A POST form under /ops with the session's CSRF token. */
export function PostForm(props: { action: string; csrfToken: string; class?: string; children: Child }) {
  return (
    <form method="post" action={`${CONSOLE_BASE}${props.action}`} class={props.class}>
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      {props.children}
    </form>
  );
}

/** A labelled input; every control in the console has a label. */
export function Field(props: {
  name: string;
  /** When a page repeats the field (one form per row): ids must stay unique for the labels to work. */
  id?: string;
  label: string;
  value?: string;
  type?: string;
  required?: boolean;
  placeholder?: string;
  autocomplete?: string;
  /** Why the server refused this field's value: shown beside it, and tied to it for screen readers. */
  error?: string;
}) {
  const id = `field-${props.id ?? props.name}`;
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        placeholder={props.placeholder}
        autocomplete={props.autocomplete}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      />
      <FieldError id={id} error={props.error} />
    </p>
  );
}

export function Select(props: { name: string; label: string; value?: string; options: Array<[string, string]>; error?: string }) {
  const id = `field-${props.name}`;
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      >
        {props.options.map(([value, text]) => (
          <option value={value} selected={value === props.value}>
            {text}
          </option>
        ))}
      </select>
      <FieldError id={id} error={props.error} />
    </p>
  );
}

function FieldError(props: { id: string; error?: string }) {
  if (!props.error) return null;
  return (
    <span class="field-error" id={`${props.id}-error`}>
      {props.error}
    </span>
  );
}

export function TextArea(props: {
  name: string;
  label: string;
  required?: boolean;
  value?: string;
  rows?: number;
  /** The server's minimum, checked by the browser first: a reason too short is said at once, and nothing typed is lost. */
  minLength?: number;
  error?: string;
}) {
  const id = `field-${props.name}`;
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        required={props.required}
        rows={props.rows ?? 3}
        minlength={props.minLength}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      >
        {props.value}
      </textarea>
      <FieldError id={id} error={props.error} />
    </p>
  );
}

/**
 * The confirmation an action that moves money, steers a workflow or changes a role asks for: a box the operator ticks,
 * saying what they are about to do; the server refuses the action without it (Confirmed, forms.ts).
 */
export function Confirm(props: { what: string; id: string }) {
  return (
    <p class="confirm">
      <input type="checkbox" id={`confirm-${props.id}`} name="confirm" value="yes" required />
      <label for={`confirm-${props.id}`}>{props.what}</label>
    </p>
  );
}

/** "Next page" for keyset pagination: the page's filters plus the cursor after its last row. */
export function NextPage(props: { path: string; query: Record<string, string | undefined>; cursor: string | null }) {
  if (!props.cursor) return null;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(props.query)) if (v) params.set(k, v);
  params.set('cursor', props.cursor);
  return (
    <p class="pager">
      <a href={`${CONSOLE_BASE}${props.path}?${params}`} rel="next">
        Next page →
      </a>
    </p>
  );
}

export function DefinitionList(props: { items: Array<[string, Child]> }) {
  return (
    <dl>
      {props.items.map(([term, value]) => (
        <>
          <dt>{term}</dt>
          <dd>{value ?? '—'}</dd>
        </>
      ))}
    </dl>
  );
}

export const when = (date: Date | null) => (date ? date.toISOString().replace('T', ' ').slice(0, 19) : '—');
