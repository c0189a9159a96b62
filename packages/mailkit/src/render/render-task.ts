import type { MessagePort } from 'node:worker_threads';
import { sanitizeMailHtml, type SanitizedMail } from './sanitize-mail-html.ts';

/** A body to sanitise in a worker thread: maps do not cross threads, so inline images travel as pairs. */
export interface RenderTask {
  html: string;
  inlineImages: Array<[string, string]>;
  remoteImages: boolean;
  /** Where to say "started": the pool's time bound counts from then. */
  started?: MessagePort;
}

/** Piscina calls this (the worker's `render` export) once per task. */
export default function renderTask(task: RenderTask): SanitizedMail {
  task.started?.postMessage('started');
  task.started?.close();
  return sanitizeMailHtml(task.html, { inlineImages: new Map(task.inlineImages), remoteImages: task.remoteImages });
}
