/** The page frame: title, stylesheet, navigation, who is signed in, and the sign-out form. */
import type { Child } from 'hono/jsx';
import { HtmlDocument } from '../http/html-document.js';
import { HTMX_CONFIG, HTMX_URL, STYLESHEET_URL } from './assets.js';
import { CONSOLE_BASE, type NavItem, type Operator } from './env.js';

export interface Frame {
  title: string;
  operator?: Operator;
  nav?: NavItem[];
  csrfToken?: string;
  /** A message after an action ("Approved."). */
  notice?: string;
}

export function Layout(props: Frame & { children: Child }) {
  const head = (
    <>
      <meta name="htmx-config" content={HTMX_CONFIG} />
      <link rel="stylesheet" href={STYLESHEET_URL} />
      <script src={HTMX_URL} defer />
    </>
  );
  return (
    <HtmlDocument title={`${props.title} · Sluice console`} head={head}>
      <header>
        <a class="brand" href={`${CONSOLE_BASE}/`}>
          Sluice
        </a>
        {props.nav && (
          <nav aria-label="Console">
            {props.nav.map((item) => (
              <a href={`${CONSOLE_BASE}${item.path}`}>{item.title}</a>
            ))}
          </nav>
        )}
        {props.operator && props.csrfToken && (
          <form method="post" action={`${CONSOLE_BASE}/sign-out`} class="who">
            <span>
              {props.operator.email} ({props.operator.role})
            </span>
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <button type="submit">Sign out</button>
          </form>
        )}
      </header>
      <main>
        <h1>{props.title}</h1>
        {props.notice && (
          <p class="notice" role="status">
            {props.notice}
          </p>
        )}
        {props.children}
      </main>
    </HtmlDocument>
  );
}
