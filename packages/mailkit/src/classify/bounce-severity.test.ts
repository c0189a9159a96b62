import { describe, expect, it } from 'vitest';
import { parseMessage } from '../parse/parse-message.ts';
import { bounceSeverity, feedbackType } from './report-references.ts';

const report = (type: string, part: string, body = 'Delivery failed.') =>
  parseMessage(
    Buffer.from(
      ['From: MAILER-DAEMON@mx.test', 'To: a@b.test', 'Subject: report', 'MIME-Version: 1.0', `Content-Type: multipart/report; report-type=${type}; boundary="b"`, '', '--b', 'Content-Type: text/plain', '', body, '--b', `Content-Type: message/${type}`, '', part, '', '--b--', ''].join('\r\n'),
    ),
  );
const dsn = (...recipients: Array<[string, string]>) =>
  report('delivery-status', ['Reporting-MTA: dns; mx.test', ...recipients.flatMap(([action, status]) => ['', 'Final-Recipient: rfc822; x@y.test', `Action: ${action}`, `Status: ${status}`])].join('\r\n'));
const plain = (body: string) => parseMessage(Buffer.from(['From: MAILER-DAEMON@mx.test', 'To: a@b.test', 'Subject: failure notice', '', body, ''].join('\r\n')));

describe('bounceSeverity: what a sender should do with the address', () => {
  it('a DSN failed with 5.x.x is hard, failed with 4.x.x soft, delayed only a warning; one hard recipient makes it hard', async () => {
    expect(bounceSeverity(await dsn(['failed', '5.1.1']))).toBe('hard');
    expect(bounceSeverity(await dsn(['failed', '4.2.2']))).toBe('soft');
    expect(bounceSeverity(await dsn(['delayed', '4.4.7']))).toBe('delay');
    expect(bounceSeverity(await dsn(['delayed', '4.4.7'], ['failed', '4.2.2']))).toBe('soft');
    expect(bounceSeverity(await dsn(['failed', '4.2.2'], ['failed', '5.7.1']))).toBe('hard');
    // a failure with no readable status is taken as final
    expect(bounceSeverity(await dsn(['failed', 'unknown']))).toBe('hard');
  });
  it('without a DSN part, only a quoted permanent code makes it hard', async () => {
    expect(bounceSeverity(await plain('<x@y.test>:\r\nhost mx.y.test said: 550 5.1.1 User unknown'))).toBe('hard');
    expect(bounceSeverity(await plain('<x@y.test>:\r\nhost mx.y.test said: 452 4.2.2 Mailbox full'))).toBe('soft');
    expect(bounceSeverity(await plain('Your message could not be delivered.'))).toBe('soft');
  });
  it('reads an ARF report\'s Feedback-Type, and says null for anything else', async () => {
    expect(feedbackType(await report('feedback-report', 'Feedback-Type: Abuse\r\nVersion: 1'))).toBe('abuse');
    expect(feedbackType(await report('feedback-report', 'Feedback-Type: not-spam\r\nVersion: 1'))).toBe('not-spam');
    expect(feedbackType(await dsn(['failed', '5.1.1']))).toBeNull();
  });
});
