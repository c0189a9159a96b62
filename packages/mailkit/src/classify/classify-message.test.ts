import { describe, expect, it } from 'vitest';
import { parseMessage } from '../parse/parse-message.ts';
import { classifyMessage } from './classify-message.ts';
import type { ClassificationKind, ClassifyContext } from './types.ts';

const ctx: ClassifyContext = { ownAddresses: ['Support@Desk.example'], ownMessageIdDomains: ['mail.desk.example'] };

/** A message from header lines and body lines, CRLF-joined. */
const eml = (headers: string[], ...body: string[]): Buffer => Buffer.from([...headers, '', ...body].join('\r\n'));
const person = ['From: Ann Customer <ann@customer.example>', 'To: support@desk.example', 'Message-ID: <c1@customer.example>', 'Date: Mon, 1 Jan 2024 10:00:00 +0000'];

const classify = async (raw: Buffer) => classifyMessage(await parseMessage(raw), ctx);

describe('classifyMessage: a person\'s mail is never automatic', () => {
  // False positives drop a customer's mail, so each near miss is listed here.
  const cases: Array<[string, Buffer, boolean]> = [
    ['an ordinary message', eml([...person, 'Subject: Where is my order?'], 'Hello, order 123 has not arrived.'), true],
    ['a reply about a delivery', eml([...person, 'Subject: Re: Delivery of order 123', 'In-Reply-To: <abc@mail.desk.example>'], 'It still has not arrived.'), true],
    ['a reply to a bounce, written by a person', eml([...person, 'Subject: Re: Undelivered Mail Returned to Sender', 'In-Reply-To: <b@x.example>'], 'Why did this bounce? It said 550 5.1.1 user unknown.'), true],
    ['Auto-Submitted: no', eml([...person, 'Subject: Question', 'Auto-Submitted: no'], 'Hi'), true],
    ['a person called Mailer', eml(['From: Mailer <mailer@gmail.example>', 'Subject: Hello', 'Message-ID: <m@gmail.example>'], 'Hi there'), true],
    ['a person called Post Master', eml(['From: "Post Master" <john@customer.example>', 'Subject: Invoice'], 'Hi'), true],
    ['an administrator writing from postmaster@ without report evidence', eml(['From: postmaster@customer.example', 'Subject: Question about your SPF record'], 'Hello, could you check your SPF?'), true],
    ['a customer whose parcel delivery failed', eml([...person, 'Subject: Delivery failed - where is my parcel?'], 'The courier says delivery failed.'), true],
    ['a customer quoting an SMTP error without a bounce subject', eml([...person, 'Subject: I cannot email your sales team'], 'I get "550 5.1.1 user unknown" every time.'), true],
    ['"Out of office" as a new message from a person', eml([...person, 'Subject: Out of office until Monday, please hold my order'], 'Thanks'), true],
    ['German "Auto:" (car) subject', eml([...person, 'Subject: Auto: Termin für die Reparatur'], 'Guten Tag'), true],
    ['a bounce forwarded as an attachment with a question', eml([...person, 'Subject: Why did this bounce?', 'Content-Type: multipart/mixed; boundary=o'], '--o', 'Content-Type: text/plain', '', 'Please help', '--o', 'Content-Type: message/rfc822', '', 'From: MAILER-DAEMON@mx.example', 'Subject: Undelivered Mail Returned to Sender', 'Content-Type: multipart/report; report-type=delivery-status; boundary=r', '', '--r', 'Content-Type: message/delivery-status', '', 'Final-Recipient: rfc822; x@y.example', 'Action: failed', '--r--', '--o--'), true],
    ['a web form relayed from a no-reply address', eml(['From: Website <no-reply@shop.example>', 'Reply-To: ann@customer.example', 'Subject: Contact form: refund'], 'Name: Ann'), true],
    ['a mailing-list post from a person (no auto-reply)', eml([...person, 'Subject: [support] printer broken', 'List-Id: <support.customer.example>', 'Precedence: list'], 'Help'), false],
    ['a newsletter (no auto-reply)', eml(['From: News <news@brand.example>', 'Subject: Our spring sale', 'List-Unsubscribe: <mailto:u@brand.example>', 'Precedence: bulk'], 'Sale!'), false],
    ['Outlook asking for no auto-replies', eml([...person, 'Subject: Meeting', 'X-Auto-Response-Suppress: All'], 'See you'), false],
    ['Outlook suppressing only receipts', eml([...person, 'Subject: Meeting', 'X-Auto-Response-Suppress: DR, RN, NRN'], 'See you'), true],
    ['our address but a foreign Message-ID (not provably ours)', eml(['From: support@desk.example', 'Message-ID: <x@elsewhere.example>', 'Subject: hi'], 'x'), true],
  ];
  it.each(cases)('%s', async (_label, raw, mayAutoReply) => {
    const c = await classify(raw);
    expect({ kind: c.kind, automatic: c.automatic, mayAutoReply: c.mayAutoReply }).toEqual({ kind: 'customer', automatic: false, mayAutoReply });
    expect(c.originalMessageIds).toEqual([]);
    expect(c.failedRecipients).toEqual([]);
  });
});

describe('classifyMessage: automatic mail', () => {
  const dsn = eml(
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>',
      'To: support@desk.example',
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <bounce1@mx.customer.example>',
      'Content-Type: multipart/report; report-type=delivery-status; boundary=r',
    ],
    '--r',
    'Content-Type: text/plain',
    '',
    'This is the mail system at host mx.customer.example.',
    '--r',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.customer.example',
    '',
    'Final-Recipient: rfc822; Gone@Customer.Example',
    'Original-Recipient: rfc822;gone@customer.example',
    'Action: failed',
    'Status: 5.1.1',
    '',
    'Final-Recipient: rfc822; slow@customer.example',
    'Action: delayed',
    'Status: 4.4.1',
    '--r',
    'Content-Type: text/rfc822-headers',
    '',
    'From: support@desk.example',
    'Message-ID: <out-42@mail.desk.example>',
    '--r--',
  );
  const cases: Array<[string, Buffer, ClassificationKind, RegExp]> = [
    ['RFC 3464 DSN', dsn, 'bounce', /delivery status/],
    ['ARF report', eml(['From: fbl@isp.example', 'Subject: report', 'Content-Type: multipart/report; report-type=feedback-report; boundary=f'], '--f', 'Content-Type: message/feedback-report', '', 'Feedback-Type: abuse', '--f--'), 'feedback', /ARF/],
    ['read receipt', eml([...person, 'Subject: Read: hi', 'Content-Type: multipart/report; report-type=disposition-notification; boundary=d'], '--d', 'Content-Type: message/disposition-notification', '', 'Original-Message-ID: <out-7@mail.desk.example>', '--d--'), 'auto_reply', /read receipt/],
    ['our own mail coming back', eml(['From: Support <SUPPORT@desk.example>', 'Message-ID: <abc@mail.desk.example>', 'Subject: Re: your question'], 'x'), 'own', /Postdesk/],
    ['Auto-Submitted: auto-replied', eml([...person, 'Subject: Thanks for your mail', 'Auto-Submitted: auto-replied'], 'We will answer soon.'), 'auto_reply', /Auto-Submitted/],
    ['Auto-Submitted: auto-generated (with a comment)', eml([...person, 'Subject: Ticket created', 'Auto-Submitted: auto-generated (ticket system)'], 'x'), 'auto_reply', /Auto-Submitted/],
    ['Precedence: junk', eml([...person, 'Subject: hi', 'Precedence: junk'], 'x'), 'auto_reply', /Precedence/],
    ['Precedence: auto_reply', eml([...person, 'Subject: hi', 'Precedence: auto_reply'], 'x'), 'auto_reply', /Precedence/],
    ['X-Autoreply', eml([...person, 'Subject: hi', 'X-Autoreply: yes'], 'x'), 'auto_reply', /X-Autoreply/],
    ['X-Autorespond', eml([...person, 'Subject: hi', 'X-Autorespond: Thank you'], 'x'), 'auto_reply', /X-Autorespond/],
    ['Outlook "Automatic reply:"', eml([...person, 'Subject: Automatic reply: Your order'], 'I am away'), 'auto_reply', /autoresponder subject/],
    ['"Out of Office:" answering a message with suppress header', eml([...person, 'Subject: Out of Office: Your order', 'X-Auto-Response-Suppress: All', 'In-Reply-To: <out-9@mail.desk.example>'], 'Away'), 'auto_reply', /autoresponder subject/],
    ['null return path', eml(['Return-Path: <>', ...person, 'Subject: hi'], 'x'), 'auto_reply', /null return path/],
    ['null return path and a bounce body', eml(['Return-Path: <>', 'From: gateway@isp.example', 'Subject: Notice'], 'Your message could not be delivered to: <lost@isp.example>'), 'bounce', /null return path/],
    ['X-Failed-Recipients', eml(['From: someone@mx.example', 'Subject: x', 'X-Failed-Recipients: lost@example.org'], 'x'), 'bounce', /X-Failed-Recipients/],
    ['MAILER-DAEMON without a domain', eml(['From: MAILER-DAEMON (Mail Delivery System)', 'Subject: Warning'], 'x'), 'bounce', /mail daemon/],
    ['postmaster with a bounce subject', eml(['From: postmaster@isp.example', 'Subject: Undeliverable: hello'], 'Delivery has failed to these recipients'), 'bounce', /report from/],
    ['a forwarded bounce (quoted DSN fields)', eml([...person, 'Subject: Fwd: Returned mail: see transcript for details'], '> Final-Recipient: RFC822; lost@example.org', '> Action: failed'), 'bounce', /bounce subject/],
    ['Apple Mail unsubscribe', eml([...person, 'Subject: unsubscribe', 'X-Apple-Unsubscribe: true'], 'x'), 'feedback', /unsubscribe/],
  ];
  it.each(cases)('%s', async (_label, raw, kind, reason) => {
    const c = await classify(raw);
    expect(c.kind).toBe(kind);
    expect(c.automatic).toBe(true);
    expect(c.mayAutoReply).toBe(false);
    expect(c.reason).toMatch(reason);
  });

  it('links a DSN to our message and lists only the failed recipients', async () => {
    const c = await classify(dsn);
    expect(c.originalMessageIds).toEqual(['out-42@mail.desk.example']);
    // Original-Recipient first: the address as we wrote it, the one our contacts hold.
    expect(c.failedRecipients).toEqual(['gone@customer.example']);
  });

  it('links a read receipt through Original-Message-ID', async () => {
    const c = await classify(eml([...person, 'Subject: Read: hi', 'Content-Type: multipart/report; report-type=disposition-notification; boundary=d'], '--d', 'Content-Type: message/disposition-notification', '', 'Original-Message-ID: <out-7@mail.desk.example>', '--d--'));
    expect(c.originalMessageIds).toEqual(['out-7@mail.desk.example']);
  });

  it('links an auto-reply through In-Reply-To and References', async () => {
    const c = await classify(eml([...person, 'Subject: Automatic reply: hi', 'In-Reply-To: <out-1@mail.desk.example>', 'References: <out-0@mail.desk.example> <out-1@mail.desk.example>'], 'Away'));
    expect(c.originalMessageIds).toEqual(['out-1@mail.desk.example', 'out-0@mail.desk.example']);
    expect(c.failedRecipients).toEqual([]);
  });

  it('finds the failed address and the original Message-ID in a non-standard bounce body', async () => {
    const c = await classify(
      eml(
        ['From: MAILER-DAEMON@mx.isp.example', 'To: support@desk.example', 'Subject: failure notice', 'Message-ID: <q1@mx.isp.example>'],
        'Hi. This is the qmail-send program at mx.isp.example.',
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        '',
        '<lost@isp.example>:',
        'Sorry, no mailbox here by that name.',
        '',
        '--- Below this line is a copy of the message.',
        '',
        'From: support@desk.example',
        'Message-ID: <out-5@mail.desk.example>',
      ),
    );
    expect(c).toMatchObject({ kind: 'bounce', failedRecipients: ['lost@isp.example'], originalMessageIds: ['out-5@mail.desk.example'] });
  });
});
