/** Image types shown in place (inline parts, previews). SVG is not among them: it can carry script. */
export const SAFE_IMAGES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
