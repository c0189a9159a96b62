import { verifyImap, verifyPop3, verifySmtp, type CheckResult, type ImapSettings, type Pop3Settings, type SmtpSettings } from '@postdesk/mailkit/verify';

/** What to check: the inbound account (if the campaign receives mail) and the SMTP account. */
export interface ConnectionTarget {
  inbound?: ({ protocol: 'imap' } & ImapSettings) | ({ protocol: 'pop3' } & Pop3Settings);
  smtp?: SmtpSettings;
}

/** Logs in to real mail servers; behind an interface so use cases do not know the protocols. */
export interface ConnectionChecker {
  check(target: ConnectionTarget): Promise<CheckResult[]>;
}

/** The real checker: inbound and SMTP are checked in parallel, each bounded by its own timeouts. */
export function createMailConnectionChecker(opts: { tlsRejectUnauthorized?: boolean } = {}): ConnectionChecker {
  const tls = opts.tlsRejectUnauthorized === undefined ? {} : { tlsRejectUnauthorized: opts.tlsRejectUnauthorized };
  return {
    async check(target) {
      const jobs: Promise<CheckResult>[] = [];
      const inbound = target.inbound;
      if (inbound?.protocol === 'imap') jobs.push(verifyImap({ ...inbound, ...tls }));
      else if (inbound?.protocol === 'pop3') jobs.push(verifyPop3({ ...inbound, ...tls }));
      if (target.smtp) jobs.push(verifySmtp({ ...target.smtp, ...tls }));
      return Promise.all(jobs);
    },
  };
}
