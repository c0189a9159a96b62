/** Mail services whose hosts, ports and security the form fills in (the reference's "Service"). */
export interface ServicePreset {
  id: 'gmail' | 'outlook' | 'hotmail' | 'yahoo';
  label: string;
  imap: { host: string; port: number; security: 'tls' | 'starttls' | 'none' };
  pop3: { host: string; port: number; security: 'tls' | 'starttls' | 'none' };
  smtp: { host: string; port: number; security: 'tls' | 'starttls' | 'none' };
}

/** The providers' published settings. */
export const servicePresets: readonly ServicePreset[] = [
  {
    id: 'gmail',
    label: 'Gmail / Google Workspace',
    imap: { host: 'imap.gmail.com', port: 993, security: 'tls' },
    pop3: { host: 'pop.gmail.com', port: 995, security: 'tls' },
    smtp: { host: 'smtp.gmail.com', port: 587, security: 'starttls' },
  },
  {
    id: 'outlook',
    label: 'Outlook / Office 365',
    imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
    pop3: { host: 'outlook.office365.com', port: 995, security: 'tls' },
    smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' },
  },
  {
    id: 'hotmail',
    label: 'Hotmail / Outlook.com',
    imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
    pop3: { host: 'outlook.office365.com', port: 995, security: 'tls' },
    smtp: { host: 'smtp-mail.outlook.com', port: 587, security: 'starttls' },
  },
  {
    id: 'yahoo',
    label: 'Yahoo Mail',
    imap: { host: 'imap.mail.yahoo.com', port: 993, security: 'tls' },
    pop3: { host: 'pop.mail.yahoo.com', port: 995, security: 'tls' },
    smtp: { host: 'smtp.mail.yahoo.com', port: 465, security: 'tls' },
  },
];
