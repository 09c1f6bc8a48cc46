/**
 * Links to workflows in the Temporal web UI: one workflow by its ID, or a list filtered by search attributes
 * ("withdrawals awaiting approval"). The UI's address and namespace are configuration (TEMPORAL_UI_URL).
 */
import type { ConsoleSettings } from '../context.js';

export type TemporalUi = ConsoleSettings['temporalUi'];

/** A visibility query from search attributes: `SluiceKind="withdrawal" AND SluiceStatus="awaiting_approval"`. */
export function visibilityQuery(attributes: Record<string, string>): string {
  return Object.entries(attributes)
    .map(([key, value]) => `${key}="${value.replace(/["\\]/g, '')}"`)
    .join(' AND ');
}

export function workflowsUrl(ui: TemporalUi, attributes: Record<string, string>): string {
  return `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows?query=${encodeURIComponent(visibilityQuery(attributes))}`;
}

export function TemporalLink(props: { ui: TemporalUi; attributes: Record<string, string>; label: string }) {
  return (
    <a class="temporal" href={workflowsUrl(props.ui, props.attributes)} rel="external">
      {props.label} in the Temporal UI
    </a>
  );
}
