import { afterAll, describe, expect, it } from 'vitest';
import { MAX_HTML_NESTING } from './limit-nesting.ts';
import { createRenderPool, HtmlNestingError, RenderTimeoutError } from './render-pool.ts';

describe('createRenderPool', () => {
  const pool = createRenderPool({ maxThreads: 1, timeoutMs: 60_000 });
  afterAll(() => pool.close());

  it("sanitises a customer's mail in a thread, inline images in place and remote ones counted", async () => {
    const clean = await pool.sanitizeMail('<p onclick="x()">hi <img src="cid:a"><img src="https://t.example/p.gif"></p><script>x()</script>', {
      inlineImages: new Map([['a', 'data:image/png;base64,AAAA']]),
      remoteImages: false,
    });
    expect(clean).toEqual({ html: '<p>hi <img src="data:image/png;base64,AAAA" /><img /></p>', blockedRemote: 1 });
  });

  it('flattens mail nested past the limit instead of refusing it', async () => {
    const clean = await pool.sanitizeMail('<div>'.repeat(200_000) + 'deep', { inlineImages: new Map(), remoteImages: false });
    expect(clean.html).toBe('<div>'.repeat(MAX_HTML_NESTING) + 'deep' + '</div>'.repeat(MAX_HTML_NESTING));
  });

  it("cleans what a person wrote, and refuses it nested past the limit", async () => {
    expect(await pool.sanitizeUserHtml('<p>Dear ${contactName},<script>x()</script></p>')).toBe('<p>Dear ${contactName},</p>');
    expect(await pool.sanitizeUserHtml('<div>'.repeat(MAX_HTML_NESTING) + 'ok')).toBe('<div>'.repeat(MAX_HTML_NESTING) + 'ok' + '</div>'.repeat(MAX_HTML_NESTING));
    const refused = await pool.sanitizeUserHtml('<div>'.repeat(200_000) + 'deep').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HtmlNestingError);
    expect((refused as HtmlNestingError).limit).toBe(MAX_HTML_NESTING);
  });

  it('stops a sanitisation that outlasts the time bound', async () => {
    // megabytes of markup cannot be sanitised within a millisecond on any machine
    const hurried = createRenderPool({ maxThreads: 1, timeoutMs: 1 });
    try {
      const big = '<p style="color:red">text <a href="https://example.test/">link</a></p>'.repeat(40_000);
      await expect(hurried.sanitizeMail(big, { inlineImages: new Map(), remoteImages: false })).rejects.toBeInstanceOf(RenderTimeoutError);
      await expect(hurried.sanitizeUserHtml(big)).rejects.toBeInstanceOf(RenderTimeoutError);
    } finally {
      await hurried.close();
    }
  }, 60_000);
});
