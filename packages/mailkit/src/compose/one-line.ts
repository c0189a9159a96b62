// Browser-safe (no Node modules): the console cleans the names it pre-fills
// in an answer's recipients with the same rule as the server.

/**
 * Header text taken from received mail (a display name, a subject) on one
 * line: an encoded word can carry CR, LF or other control characters, which
 * our own headers refuse and a quoted header block would show as lines of
 * their own. Each run becomes one space; runs of spaces collapse.
 */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}
