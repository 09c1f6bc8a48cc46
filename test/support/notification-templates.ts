/**
 * What a recorded notification must be for its templates: a body with exactly the fields of its type's sample
 * (domain/notifications/events.ts), the event operators write and preview templates against.
 */
import { SAMPLE_EVENTS, type TemplateEvent } from '../../domain/notifications/events.js';

/** The fields a notification of `type` records: its sample's, less the `title` and `severity` every record has. */
export function sampleFields(type: TemplateEvent): string[] {
  return Object.keys(SAMPLE_EVENTS[type])
    .filter((field) => field !== 'title' && field !== 'severity')
    .sort();
}
