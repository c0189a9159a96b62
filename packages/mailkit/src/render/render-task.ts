import type { MessagePort } from 'node:worker_threads';
import { textAlternative } from '../compose/text-alternative.ts';
import { sanitizeUserHtml, type UserHtml } from '../template/sanitize-template.ts';
import { renderPlainText } from './render-plain-text.ts';
import { sanitizeMailHtml, type SanitizedMail } from './sanitize-mail-html.ts';

/** A body to sanitise in a worker thread: maps do not cross threads, so inline images travel as pairs. */
export interface MailRenderTask {
  kind: 'mail';
  html: string;
  inlineImages: Array<[string, string]>;
  remoteImages: boolean;
  /** Where to say "started": the pool's time bound counts from then. */
  started?: MessagePort;
}

/** HTML a person wrote (an answer, a template), to check and clean before it is sent or stored. */
export interface UserRenderTask {
  kind: 'user';
  html: string;
  started?: MessagePort;
}

/** Sanitised HTML we send, to turn into its text/plain part. */
export interface TextRenderTask {
  kind: 'text';
  html: string;
  started?: MessagePort;
}

/** A customer's plain-text mail, to show as linked HTML. */
export interface PlainRenderTask {
  kind: 'plain';
  text: string;
  started?: MessagePort;
}

export type RenderTask = MailRenderTask | UserRenderTask | TextRenderTask | PlainRenderTask;

/** Piscina calls this once per task; a refusal travels as data, since an Error's class does not cross threads. */
export default function renderTask(task: RenderTask): SanitizedMail | UserHtml | string {
  task.started?.postMessage('started');
  task.started?.close();
  switch (task.kind) {
    case 'mail':
      return sanitizeMailHtml(task.html, { inlineImages: new Map(task.inlineImages), remoteImages: task.remoteImages });
    case 'user':
      return sanitizeUserHtml(task.html);
    case 'text':
      return textAlternative(task.html);
    case 'plain':
      return renderPlainText(task.text);
  }
}
