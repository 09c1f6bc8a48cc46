/** What the console answers htmx differently: its own requests (a queue or a settlement's progress refreshing itself). */
import type { Context } from 'hono';

export const fromHtmx = (c: Context): boolean => c.req.header('hx-request') === 'true';
