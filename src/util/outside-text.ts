/**
 * The one sanitizer for text from outside (Ping API answers, WispHub records, platform user
 * names), applied where it is read. Terminal escape sequences are dropped whole, other
 * control characters become spaces, newlines and tabs included: outside text is one line
 * wherever it shows (a note, a name, a terminal or log line), so `evil\n{"level":60}` cannot
 * forge a second event line; bidi controls and
 * zero-width characters are dropped, because they change how the text around them renders
 * (U+202E shows a name reversed) or hide characters from the person reading it.
 * Escaping for a destination (mrkdwn, Discord markdown, a terminal) is the adapter's job.
 */

/** Whole terminal escape sequences (CSI, OSC, two-byte ESC, 8-bit CSI), so none of their text is left behind. */
// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-~]|\u009b[0-?]*[ -/]*[@-~]/gu;

/** C0 controls (tab, CR and LF included), DEL, C1 controls, and the Unicode line and paragraph separators. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu;

/**
 * Bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069), the directional marks
 * (U+200E, U+200F, U+061C), zero-width space, non-joiner and joiner (U+200B–200D), word
 * joiner (U+2060) and the BOM / zero-width no-break space (U+FEFF).
 */
const INVISIBLE = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff]/gu;

/** Outside text made safe to show on one line: escape sequences gone, other controls (line breaks too) as spaces, bidi and zero-width characters gone. */
export function sanitizeOutsideText(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, '').replace(CONTROLS, ' ').replace(INVISIBLE, '');
}
