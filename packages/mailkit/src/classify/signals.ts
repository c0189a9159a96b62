// The evidence classification weighs, kept as data. Each entry says why it
// is evidence; the rule order that combines them is in classify-message.ts.

/**
 * Local parts only mail software sends from. RFC 5321 4.5.5 bounces come
 * from MAILER-DAEMON in practice (Sendmail, Postfix, Exim, qmail, Gmail,
 * Yahoo); no person's mailbox is called that.
 */
export const DAEMON_LOCAL_PART = /^(?:mailer[-_.]?daemon|mail[-_.]?delivery[-_.]?(?:sub)?system|double-bounce|mmdf)$/i;

/** Display names of the same senders when the address is missing or odd ("MAILER-DAEMON (Mail Delivery System)"). */
export const DAEMON_NAME = /^(?:mailer[-_ ]?daemon|mail delivery (?:sub)?system)$/i;

/**
 * Mailbox names reserved for mail administration (RFC 2142). Exchange,
 * Domino, IMail and many gateways send bounces from postmaster@, but a real
 * administrator may also write from it, so this only counts together with
 * other evidence.
 */
export const POSTMASTER_LOCAL_PART = /^(?:postmaster|post_master|poostmaster)$/i;

/**
 * List-manager addresses (Mailman -bounces/-owner/-request, Majordomo
 * owner-, fml -admin, ezmlm -help). Their notices ("you are not a member",
 * loop alerts) are machine-sent, but only when the message also carries
 * list-manager headers: it-admin@ may well be a person.
 */
export const LIST_MANAGER_LOCAL_PART = /^(?:owner-.+|.+-(?:admin|owner|request|bounces?|help)|mailman|majordomo|listserv|ezmlm)$/i;
/** Headers list managers put on their own notices (fml, ezmlm, Mailman, RFC 2369/2919). */
export const LIST_MANAGER_HEADERS = ['x-mlserver', 'mailing-list', 'x-ml-name', 'x-mailman-version', 'list-id', 'list-subscribe', 'list-help'];

/**
 * Subjects MTAs give bounces and delay warnings, in the languages seen in
 * real bounces. A subject alone is never enough (a customer may write
 * "Delivery failed?"), see BOUNCE_CORROBORATION in classify-message.ts.
 */
export const BOUNCE_SUBJECTS: readonly RegExp[] = [
  /undeliver(?:ed|able)/i, // Postfix "Undelivered Mail Returned to Sender", Exchange "Undeliverable:", IMail, Notes
  /returned mail|returning (?:message )?to sender|mail failed, returning/i, // Sendmail, Exim, old MTAs
  /delivery status (?:notification|report)|mail delivery status/i, // Gmail, Exchange, OpenSMTPD, Zoho
  /delivery notification: delivery has/i, // Exchange 2007 / Office 365
  /(?:mail|message) delivery (?:failed|failure|has failed)|delivery (?:failure|failed)|failed delivery|failure delivery|permanent delivery failure/i,
  /failure notice|mail failure|mail system error/i, // qmail, Yahoo, mail.ru, ezweb
  /could not be delivered|could not send (?:mail|message)|there was an error sending your mail/i,
  /^warning:.*(?:delayed|could not send)|delayed mail|delivery (?:has been )?delayed|\(delay\)/i, // delay DSNs
  /non[- ]?delivery|^delivery failure:/i, // NDR wording, Domino "DELIVERY FAILURE:"
  /^delivery report$|^notice: mail delivery status/i,
  /не доставлено|недоставленн/i, // Russian (mail.ru, Yandex)
  /non remis|non distribuable|échec de (?:la )?(?:remise|distribution)/i, // French (Orange, Outlook)
  /non recapitabile|mancato recapito/i, // Italian
  /unzustellbar|nicht zugestellt|zustellung fehlgeschlagen/i, // German
  /no se pudo entregar|no entregado|imposible de entregar/i, // Spanish
  /onbestelbaar|niet bezorgd/i, // Dutch
  /配信できません|メールエラー通知|配信エラー|不達/, // Japanese (Trend Micro, KDDI)
  /无法投递|退信|未能送达|系统退信/, // Chinese
  /blocked by our bulk email filter|spamtraphit|considered unsolicited bulk email/i, // rejections sent as bounces
];

/**
 * Phrases MTAs write in bounce bodies and no person writes in a question to
 * a support desk: DSN field names (even quoted, as in a forwarded bounce),
 * MTA boilerplate, SMTP replies with enhanced status codes. They corroborate
 * a bounce subject.
 */
export const BOUNCE_BODY_MARKERS: readonly RegExp[] = [
  /^[>\s]*(?:final-recipient|original-recipient|diagnostic-code|reporting-mta|remote-mta)\s*:/im, // RFC 3464 fields
  /^[>\s]*action\s*:\s*(?:failed|delayed)\s*$/im,
  /^[>\s]*status\s*:\s*[245]\.\d{1,3}\.\d{1,3}/im,
  /the following addresses had (?:permanent fatal errors|delivery problems)|transcript of session follows/i, // Sendmail
  /this is the mail system at host|i'm sorry to have to inform you that your message could not/i, // Postfix
  /this is the qmail-send program/i, // qmail
  /this message was created automatically by mail delivery software/i, // Exim
  /a message that you sent could not be delivered|could not be delivered to one or more (?:of its )?recipients/i,
  /delivery to the following (?:recipients?|addresses) (?:failed|has failed|was delayed)|delivery has failed to these recipients/i, // Gmail, Exchange
  /automatically generated delivery status notification/i,
  /\b[45]\d\d[- ][45]\.\d{1,3}\.\d{1,3}\b/, // SMTP reply with enhanced status code: "550 5.1.1"
];

/**
 * Looser wording of the same reports ("No such user", "mailbox full",
 * "550 Requested action not taken"). Enough next to an administrative sender
 * (postmaster@), not next to a mere subject: a customer may write them.
 */
export const BOUNCE_BODY_HINTS: readonly RegExp[] = [
  /your message (?:wasn't|was not|couldn't be|could not be|cannot be) delivered|message could not be delivered|could not be delivered to/i,
  /\b(?:user unknown|no such user|unknown user|mailbox (?:unavailable|full|is full|not found)|unrouteable address|recipient address rejected|invalid (?:user|recipient) address|address rejected)\b/i,
  /\b55[0-4][- ]+(?:requested action|mailbox|user|no such)/i,
  /delivery status notification/i,
];

/**
 * Subjects that autoresponders put in front of the original subject. A
 * person does not start a subject with these, so they decide alone.
 */
export const AUTO_REPLY_SUBJECTS_STRONG: readonly RegExp[] = [
  /^(?:automatic reply|auto(?:matic)?[- ]?repl(?:y|ied)|autoreply|auto[- ]?response|autorespons\w*|autosvar|automatische antwort|r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|automatisch antwoord|resposta autom[áa]tica)\s*:/i,
  /^out of (?:the )?office (?:auto[- ]?reply|reply|autoreply)\b/i,
  /^(?:abwesenheitsnotiz|abwesend|absence|fuera de la oficina|absent du bureau)\s*:/i,
  /^(?:自動応答|自动回复|自動回覆|자동 응답)/,
];

/**
 * Weaker autoresponder subjects: "Auto: Termin" may be a car dealer's
 * customer and "Out of office until Monday" a person. They need other
 * evidence (see classify-message.ts).
 */
export const AUTO_REPLY_SUBJECTS_WEAK: readonly RegExp[] = [/^auto:/i, /^out of (?:the )?office\b/i, /^away (?:until|from)\b/i, /^on vacation\b/i, /^(?:i am|i'm) (?:out of the office|away)\b/i];

/**
 * Headers autoresponders and vendor vacation features add besides RFC 3834's
 * Auto-Submitted. A value predicate says which values count.
 */
export const AUTO_REPLY_HEADERS: ReadonlyArray<{ name: string; when: RegExp; why: string }> = [
  { name: 'x-autoreply', when: /^(?!no\b|false\b)/i, why: 'X-Autoreply (common autoresponders)' },
  { name: 'x-autorespond', when: /./, why: 'X-Autorespond (autoresponders)' },
  { name: 'x-autoresponder', when: /./, why: 'X-Autoresponder' },
  { name: 'x-autogenerated', when: /reply|forward|group|mirror/i, why: 'X-AutoGenerated' },
  { name: 'x-apple-action', when: /vacation/i, why: 'iCloud vacation reply' },
  { name: 'x-post-messageclass', when: /autoresponder/i, why: 'autoresponder message class' },
  { name: 'x-fc-machinegenerated', when: /^true/i, why: 'X-FC-MachineGenerated' },
];

/** Subjects of vendor feedback loops that do not use ARF. */
export const FEEDBACK_SUBJECTS: readonly RegExp[] = [/^complaint about message from /i];

/** Outlook's request not to be answered automatically: these values cover out-of-office and auto-replies. */
export const SUPPRESS_AUTO_REPLY = /\b(?:all|oof|autoreply)\b/i;

/** Reply prefixes: a subject that starts with one is a person's reply, not a report (forwards are different: see BOUNCE rules). */
export const REPLY_PREFIX = /^\s*(?:re|aw|sv|vs|antw|ref|rif|res)\s*(?:\[\d+\])?\s*:/i;
