import { describe, expect, it } from 'vitest';
import { mailBodyCsp, mailDocument } from './mail-document.ts';

describe('mailBodyCsp', () => {
  it('allows only inline images by default', () => {
    expect(mailBodyCsp(false)).toBe(
      "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox",
    );
  });

  it('adds web images when allowed', () => {
    expect(mailBodyCsp(true)).toContain('img-src data: https: http:;');
  });
});

describe('mailDocument', () => {
  it('puts the policy first and leaves out what a meta policy cannot carry', () => {
    const doc = mailDocument('<p>x</p>', { remoteImages: false, lang: 'de-AT' });
    expect(doc.startsWith('<!doctype html>\n<html lang="de-AT" data-blocked-remote="0">\n<head>\n<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; img-src data:;')).toBe(true);
    expect(doc).not.toMatch(/frame-ancestors|sandbox/);
    expect(doc).toContain('<base target="_blank">');
    expect(doc).toContain('.pd-text { white-space: pre-wrap; }');
    expect(doc).toContain('<body><p>x</p></body>');
  });

  it('drops a language tag that is not one', () => {
    expect(mailDocument('', { remoteImages: true, lang: '"><script>' })).toMatch(/^<!doctype html>\n<html data-blocked-remote="0">\n/);
  });

  it('says on its root how many remote images were held back, as a number only', () => {
    expect(mailDocument('', { remoteImages: false, blockedRemote: 3 })).toContain('<html data-blocked-remote="3">');
    expect(mailDocument('', { remoteImages: false, blockedRemote: Number.NaN })).toContain('<html data-blocked-remote="0">');
  });
});
