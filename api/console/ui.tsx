/**
 * The console's building blocks: forms that carry the CSRF token (and, refused, come back as sent), labelled fields,
 * confirmations, pagers, links.
 */
import { useContext, type Child } from 'hono/jsx';
import { CONSOLE_BASE, type RefusedForm } from './env.js';
import { fieldError } from './forms.js';
import { FormRefusal, PageRefusal, ROW_FIELD } from './refused-form.js';

/**
 * A POST form under /ops with the session's CSRF token. When the page is shown again for this form's refusal
 * (refused-form.tsx), its fields show what was sent and why it was refused.
 */
export function PostForm(props: {
  action: string;
  csrfToken: string;
  class?: string;
  /** When the page repeats the form (one per row): which row's, so that a refusal comes back on that one. */
  row?: string;
  children: Child;
}) {
  const action = `${CONSOLE_BASE}${props.action}`;
  const refused = useContext(PageRefusal);
  const mine = refused && refused.action === action && refused.row === (props.row ?? '') ? refused : null;
  return (
    <form method="post" action={action} class={props.class}>
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      {props.row !== undefined && <input type="hidden" name={ROW_FIELD} value={props.row} />}
      <FormRefusal.Provider value={mine}>{props.children}</FormRefusal.Provider>
    </form>
  );
}

/**
 * A field's value and error: what its refused form sent and why (never a password), else what the page gives. The
 * first field at fault takes the focus, so that a form low on a long page is scrolled to.
 */
function shown(refused: RefusedForm | null, props: { name: string; value?: string; error?: string; type?: string }) {
  const sent = refused && props.type !== 'password' ? refused.values[props.name] : undefined;
  const error = props.error ?? (refused ? fieldError(refused.issues, props.name) : undefined);
  return { value: sent ?? props.value, error, autofocus: refused && error ? true : undefined };
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
  const { value, error, autofocus } = shown(useContext(FormRefusal), props);
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={value}
        required={props.required}
        placeholder={props.placeholder}
        autocomplete={props.autocomplete}
        autofocus={autofocus}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <FieldError id={id} error={error} />
    </p>
  );
}

export function Select(props: { name: string; label: string; value?: string; options: Array<[string, string]>; error?: string }) {
  const id = `field-${props.name}`;
  const { value: chosen, error, autofocus } = shown(useContext(FormRefusal), props);
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        autofocus={autofocus}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {props.options.map(([value, text]) => (
          <option value={value} selected={value === chosen}>
            {text}
          </option>
        ))}
      </select>
      <FieldError id={id} error={error} />
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
  const { value, error, autofocus } = shown(useContext(FormRefusal), props);
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        required={props.required}
        rows={props.rows ?? 3}
        minlength={props.minLength}
        autofocus={autofocus}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {value}
      </textarea>
      <FieldError id={id} error={error} />
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
