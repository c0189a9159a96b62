import type { KeyboardEvent } from 'react';

/**
 * Ctrl+Enter (⌘+Enter) submits the enclosing form from anywhere inside it,
 * including textareas and the rich text editor where Enter is a newline.
 */
export function submitOnModEnter(event: KeyboardEvent<HTMLFormElement>): void {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    event.currentTarget.requestSubmit();
  }
}
