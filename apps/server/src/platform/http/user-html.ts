import { HtmlNestingError, RenderTimeoutError, type RenderPool } from '@postdesk/mailkit/render';
import { invalid } from './errors.ts';

/**
 * HTML an agent or admin submitted (an answer, a template, a preview),
 * sanitised on a render thread so no request does that work on the event
 * loop. Nesting past the limit, or markup too costly to clean within the
 * render time bound, is a 400 naming the field.
 */
export async function sanitizeSubmittedHtml(render: Pick<RenderPool, 'sanitizeUserHtml'>, field: string, html: string): Promise<string> {
  try {
    return await render.sanitizeUserHtml(html);
  } catch (err) {
    if (err instanceof HtmlNestingError) throw invalid(field, `nested more than ${err.limit} elements deep; simplify the formatting`);
    if (err instanceof RenderTimeoutError) throw invalid(field, 'too complex to check in time; simplify the formatting');
    throw err;
  }
}
