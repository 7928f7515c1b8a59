import type { Verdict } from '../core/verdict.js';

/** Colour family of a message; adapters map it to Slack/Discord colours or terminal styles. */
export type Tone = 'running' | 'good' | 'warn' | 'bad' | 'critical' | 'neutral';

/** One labelled value. Values are plain, untrusted text: adapters escape them for their platform. */
export interface ViewField {
  label: string;
  value: string;
}

/** Check buttons (`cancel`, `rerun`) and NOC incident buttons (`noc_ack`, `noc_silence`, `noc_check`). */
export type ViewButtonId = 'cancel' | 'rerun' | 'noc_ack' | 'noc_silence' | 'noc_check';

export interface ViewButton {
  id: ViewButtonId;
  label: string;
  style: 'primary' | 'danger' | 'default';
}

/**
 * What a status message should show now, independent of the platform. Every string is plain
 * text: no markup, no escaping done; each adapter escapes for its own surface.
 */
export interface View {
  /** e.g. "Ana Morales · 1001" */
  title: string;
  /** One line: "Polling… attempt 3 · 6.2 s · next in 2.0 s", or the verdict headline. */
  status: string;
  verdict: Verdict | null;
  tone: Tone;
  /** Client card: service id, address, plan, antenna, payment status… */
  fields: ViewField[];
  /** What the verdict means for the visit (null while running). */
  meaning: string | null;
  /** Billing or other warning shown prominently (suspended, past cut-off). */
  warning: string | null;
  /** Small print: task id, polls, elapsed, "cached result". */
  footer: string | null;
  buttons: ViewButton[];
  /** True once the check is done: this view is the last one. */
  final: boolean;
  /** One-line plain-text summary: notification text and fallback for clients without rich messages. */
  text: string;
}
