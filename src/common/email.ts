/**
 * An email address as this service compares and stores it: trimmed, lower case, Unicode NFC.
 * Two spellings that differ only in case or normalisation are one address; every email that
 * enters (a login's claim, an invitation, a magic-link request, a roles lookup) goes through here.
 * The migration that introduced it applies the same rule in SQL: normalize(lower(btrim(email)), NFC).
 */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase().normalize('NFC');
}
