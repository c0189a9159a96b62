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
export function createMailConnectionChecker(opts: { tlsRejectUnauthorized?: boolean; mailCa?: string } = {}): ConnectionChecker {
  const tls = opts.tlsRejectUnauthorized === undefined ? {} : { tlsRejectUnauthorized: opts.tlsRejectUnauthorized };
  // the campaign's private authority (already in the target) and the installation's, both trusted
  const trust = <T extends { tlsCa?: string }>(s: T): T => {
    const tlsCa = [s.tlsCa, opts.mailCa].filter((x): x is string => !!x).join('\n');
    return { ...s, ...tls, ...(tlsCa ? { tlsCa } : {}) };
  };
  return {
    async check(target) {
      const jobs: Promise<CheckResult>[] = [];
      const inbound = target.inbound;
      if (inbound?.protocol === 'imap') jobs.push(verifyImap(trust(inbound)));
      else if (inbound?.protocol === 'pop3') jobs.push(verifyPop3(trust(inbound)));
      if (target.smtp) jobs.push(verifySmtp(trust(target.smtp)));
      return Promise.all(jobs);
    },
  };
}
