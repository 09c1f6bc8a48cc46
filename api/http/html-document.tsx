/** The HTML document every page the API serves stands in (checkout, account links, the console): its head's common part. */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

export function HtmlDocument(props: { title: string; head: Child; children: Child }) {
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{props.title}</title>
          {props.head}
        </head>
        <body>{props.children}</body>
      </html>
    </>
  );
}
