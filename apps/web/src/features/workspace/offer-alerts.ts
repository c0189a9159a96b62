import { useEffect, useRef } from 'react';

// How an agent hears about new work: one chime and one desktop notification
// per interaction — ring all offers the same mail again every timeout, and
// nineteen chimes for one mail taught agents to mute the sound — and the
// tab's title counting what waits for them.

const SEEN_KEY = 'postdesk.alertedInteractions';
const SEEN_MAX = 500;

/** The interactions already announced in this browser tab (kept across reloads of the tab). */
function readSeen(): number[] {
  try {
    const raw: unknown = JSON.parse(window.sessionStorage.getItem(SEEN_KEY) ?? '[]');
    return Array.isArray(raw) ? raw.filter((x): x is number => typeof x === 'number') : [];
  } catch {
    return [];
  }
}

/**
 * True the first time an interaction is offered in this tab, false for every
 * later offer of it (a repeated ring, a reload).
 */
export function firstAlertFor(interactionId: number): boolean {
  const seen = readSeen();
  if (seen.includes(interactionId)) return false;
  seen.push(interactionId);
  try {
    window.sessionStorage.setItem(SEEN_KEY, JSON.stringify(seen.slice(-SEEN_MAX)));
  } catch {
    // storage full or blocked: announcing twice is better than never
  }
  return true;
}

/** Whether the browser can show desktop notifications at all. */
export const desktopNotificationsSupported = (): boolean => typeof window !== 'undefined' && 'Notification' in window;

/** Asks for permission (only from a click); true when granted. */
export async function requestDesktopNotifications(): Promise<boolean> {
  if (!desktopNotificationsSupported()) return false;
  if (Notification.permission === 'granted') return true;
  if (Notification.permission === 'denied') return false;
  return (await Notification.requestPermission()) === 'granted';
}

/**
 * A desktop notification, only while the console's tab is hidden (when it is
 * visible the in-page toast says the same) and permission was given.
 * Clicking it brings the console back.
 */
export function notifyDesktop(title: string, body: string, tag: string): void {
  if (!desktopNotificationsSupported() || Notification.permission !== 'granted' || !document.hidden) return;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    // some browsers only allow notifications from a service worker: the toast and chime remain
  }
}

/** Puts "(3) " before the page title while `count` things wait; restores it when the screen closes. */
export function useTitleCount(count: number): void {
  const base = useRef<string | null>(null);
  useEffect(() => {
    if (base.current === null) base.current = document.title.replace(/^\(\d+\) /, '');
    document.title = count > 0 ? `(${count}) ${base.current}` : base.current;
  }, [count]);
  useEffect(
    () => () => {
      if (base.current !== null) document.title = base.current;
    },
    [],
  );
}
