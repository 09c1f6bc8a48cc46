/** CSV exports (RFC 4180), streamed a keyset page at a time so a large export never sits in memory. */
import type { Context } from 'hono';
import { csvLine } from '../../platform/csv.js';

export { csvLine } from '../../platform/csv.js';

/** Streams the header and then every page `pages` yields, as an attachment named `filename`. */
export function csvResponse(c: Context, filename: string, header: string[], pages: AsyncIterable<string[]>): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(csvLine(header)));
      for await (const lines of pages) controller.enqueue(encoder.encode(lines.join('')));
      controller.close();
    },
  });
  return c.body(body, 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${filename}"`,
  });
}
