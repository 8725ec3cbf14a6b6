// Browser notifications (the Notification API) for what the bell collects, raised while
// the page's tab is hidden, under the same toggles as the desktop's OS notifications
// (`NotificationPrefs`). The desktop keeps its toggles in `desktop.toml`, out of a
// browser's reach, so a browser keeps its own in localStorage (Account → Notifications).
// Permission is asked on the first event that would notify, never at load; the desktop
// app raises its own and never these.
import { backend, type NotificationPrefs } from '../backend';
import { navigate } from '../router';
import type { Notice } from './live.svelte';

const PREFS_KEY = 'aiops.browser-notifications';
const ASKED_KEY = 'aiops.browser-notifications.asked';

export const DEFAULT_PREFS: NotificationPrefs = {
  waiting: true,
  exited: true,
  failed: true,
  sync_failed: true,
  do_not_disturb: false,
};

/** Raised notifications by tag, so a newer one about the same session can close them. */
const shown = new Map<string, Notification>();

/** The browser can notify, and this is not the desktop app (which has its own). */
export function supported(): boolean {
  return !backend.desktop && typeof window !== 'undefined' && 'Notification' in window;
}

export function loadPrefs(): NotificationPrefs {
  try {
    const saved = JSON.parse(localStorage.getItem(PREFS_KEY) ?? '{}') as Partial<NotificationPrefs>;
    const out = { ...DEFAULT_PREFS };
    for (const k of Object.keys(out) as (keyof NotificationPrefs)[]) if (typeof saved[k] === 'boolean') out[k] = saved[k];
    return out;
  } catch {
    return { ...DEFAULT_PREFS };
  }
}

export function savePrefs(prefs: NotificationPrefs): void {
  try {
    localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  } catch {
    // Storage disabled: the toggles last for this page.
  }
}

/** `granted`, `denied` or `default` (not asked yet); `unsupported` without the API. */
export function permission(): NotificationPermission | 'unsupported' {
  return supported() ? Notification.permission : 'unsupported';
}

/** Asks for permission (from a click in Account, or on the first event). */
export async function askPermission(): Promise<NotificationPermission | 'unsupported'> {
  if (!supported()) return 'unsupported';
  try {
    localStorage.setItem(ASKED_KEY, '1');
  } catch {
    // Asked again next time: harmless.
  }
  return Notification.requestPermission();
}

function askedBefore(): boolean {
  try {
    return localStorage.getItem(ASKED_KEY) === '1';
  } catch {
    return false;
  }
}

/** Which toggle covers a notice; null for notices that never notify. */
function toggle(n: Notice): keyof NotificationPrefs | null {
  return n.kind === 'killed' ? null : n.kind;
}

/**
 * A notice the bell just took: raises it as a browser notification when its toggle is on
 * and the tab is hidden; the first such notice asks for permission (once per browser).
 */
export function raise(n: Notice): void {
  if (!supported()) return;
  const tag = n.sessionId === undefined ? `event-${n.id}` : `session-${n.sessionId}`;
  // A newer state of the session (killed, running again) makes the older one stale.
  shown.get(tag)?.close();
  shown.delete(tag);
  const which = toggle(n);
  const prefs = loadPrefs();
  if (!which || prefs.do_not_disturb || !prefs[which]) return;
  if (Notification.permission === 'default' && !askedBefore()) {
    void askPermission().then((p) => {
      if (p === 'granted') show(n, tag);
    });
    return;
  }
  if (Notification.permission === 'granted') show(n, tag);
}

function show(n: Notice, tag: string): void {
  if (document.visibilityState !== 'hidden') return;
  try {
    const note = new Notification(n.title, { body: n.detail, tag });
    shown.set(tag, note);
    note.onclick = () => {
      window.focus();
      navigate(n.href);
      note.close();
    };
    note.onclose = () => {
      if (shown.get(tag) === note) shown.delete(tag);
    };
  } catch {
    // Some browsers only notify from a service worker: the bell still has it.
  }
}

/** Closes what this page raised about a session (it was killed, or is running again). */
export function withdraw(sessionId: number): void {
  const tag = `session-${sessionId}`;
  shown.get(tag)?.close();
  shown.delete(tag);
}
