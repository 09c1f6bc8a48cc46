/**
 * One digest of every field of a money-moving request, normalised, kept in its journal entry's metadata. The ledger
 * compares a repeated Idempotency-Key by accounts, currency and amount only, so a repeat that changed anything else
 * (a memo, a callback URL, a reason) would be answered as a replay; comparing digests catches every field, including
 * ones a request gains later.
 */
import { createHash } from 'node:crypto';

const FINGERPRINT = 'request_fingerprint';

/** The digest of the request's fields (key order does not matter; absent fields are null). */
export function requestFingerprint(fields: Record<string, string | null>): Record<typeof FINGERPRINT, string> {
  const canonical = JSON.stringify(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { [FINGERPRINT]: createHash('sha256').update(canonical).digest('base64url') };
}

/**
 * Whether the stored entry was posted for a different request than the one fingerprinted. An entry from before
 * fingerprints has none: only what the ledger compares tells.
 */
export function fingerprintDiffers(
  entry: { metadata: Record<string, unknown> },
  fingerprint: Record<typeof FINGERPRINT, string>,
): boolean {
  const stored = entry.metadata[FINGERPRINT];
  return stored !== undefined && stored !== fingerprint[FINGERPRINT];
}
