/**
 * A form body that does not parse (multipart without its boundary's parts): hono's `parseBody` passes on the runtime's
 * TypeError, which reached the error handler as a 500 on every page that takes a form (the checkout page, the account
 * links, the console). Told from a handler's own TypeError by the request's form content type and the runtime's words.
 */
const FORM_TYPE = /^\s*(multipart\/form-data|application\/x-www-form-urlencoded)\b/i;

export function isMalformedForm(error: unknown, contentType: string | undefined): boolean {
  return (
    error instanceof TypeError &&
    FORM_TYPE.test(contentType ?? '') &&
    error.message.startsWith('Failed to parse body as FormData')
  );
}
