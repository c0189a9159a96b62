/** An address as written in a header: the normalised address and the display name (may be ''). */
export interface Address {
  address: string;
  name: string;
}

/** One leaf or container of the MIME tree, flattened in document order. */
export interface ParsedPart {
  /** IMAP-style part number: "1", "1.2", … ("" for a single-part message's body). */
  path: string;
  /** Lowercased "type/subtype". */
  contentType: string;
  /** Lowercased Content-Type parameter names with their values (e.g. report-type, charset, boundary). */
  params: Record<string, string>;
  disposition: 'inline' | 'attachment' | null;
  /** Sanitised file name, or null. */
  filename: string | null;
  /** Decoded size in bytes. */
  size: number;
  /**
   * Decoded text, capped at 256 KiB, for text/*, message/delivery-status,
   * message/feedback-report, message/disposition-notification, text/rfc822-headers,
   * and the header block of message/rfc822 parts — what classification needs.
   * Also the raw body of a multipart that has no parts (its boundary never
   * appears), the only readable form of such a message.
   */
  text?: string;
}

/** A stored attachment: content-addressed by sha256; the file name is for display only. */
export interface ParsedAttachment {
  partPath: string;
  /** Sanitised: no path separators, control characters or leading dots; at most 255 bytes. */
  filename: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the decoded content: the storage key. */
  sha256: string;
  contentId: string | null;
  inline: boolean;
  content: Buffer;
}

/** A header field, name lowercased, value unfolded and decoded (RFC 2047). */
export interface HeaderField {
  name: string;
  value: string;
}

/** What the rest of Postdesk knows of a message after safe parsing. */
export interface ParsedMessage {
  headers: HeaderField[];
  /** Without angle brackets; null when absent or unparseable. */
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  subject: string;
  /** ISO 8601, or null when absent or unparseable. */
  date: string | null;
  from: Address | null;
  sender: Address | null;
  replyTo: Address[];
  to: Address[];
  cc: Address[];
  /** Return-Path address; '' for the null return path `<>`; null when absent. */
  returnPath: string | null;
  text: string | null;
  html: string | null;
  parts: ParsedPart[];
  attachments: ParsedAttachment[];
}
