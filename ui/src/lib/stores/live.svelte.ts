// The event stream, opened once per signed-in user: the latest state of every session
// seen on it (pages overlay it on what they fetched) and the notification centre.
// Notifications and the last event id are kept in localStorage, so a reload resumes the
// stream where it stopped (`?after=`) and keeps the list. New notices are also raised as
// browser notifications while the tab is hidden (`browserNotifications`).
import { SvelteMap } from 'svelte/reactivity';
import { backend, type Event, type Job, type Session, type StreamState, type SyncRun, type Unsubscribe } from '../backend';
import { raise, withdraw } from './browserNotifications';

export interface Notice {
  /** The event id. */
  id: number;
  /** `killed` only replaces the session's `waiting` notice (nothing is waiting any more). */
  kind: 'waiting' | 'exited' | 'failed' | 'sync_failed' | 'killed';
  /** An exit with a non-zero code. */
  error?: boolean;
  title: string;
  detail: string;
  href: string;
  at: string;
  read: boolean;
  /** The session it is about, to fold repeated reports into one notice. */
  sessionId?: number;
}

const MAX_NOTICES = 100;

export const live = $state<{ stream: StreamState; notices: Notice[] }>({ stream: 'closed', notices: [] });
/** Latest session objects from `session.state` events, by id. */
export const liveSessions = new SvelteMap<number, Session>();

const listeners = new Set<(e: Event) => void>();
let stop: Unsubscribe | null = null;
let storageKey = '';
let lastId: number | null = null;

/** Every event, for pages that refresh on some kinds. */
export function onLiveEvent(cb: (e: Event) => void): Unsubscribe {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

export function unreadCount(): number {
  return live.notices.reduce((n, x) => n + (x.read ? 0 : 1), 0);
}

export function markAllRead(): void {
  for (const n of live.notices) n.read = true;
  save();
}

export function markRead(id: number): void {
  const n = live.notices.find((x) => x.id === id);
  if (n) n.read = true;
  save();
}

export function startLive(userId: number): void {
  stopLive();
  storageKey = `aiops.notices.${userId}`;
  load();
  stop = backend.events(
    lastId,
    (e) => {
      lastId = e.id;
      apply(e);
      for (const cb of listeners) cb(e);
      save();
    },
    (s) => (live.stream = s),
  );
}

export function stopLive(): void {
  stop?.();
  stop = null;
  live.stream = 'closed';
  live.notices = [];
  liveSessions.clear();
}

function apply(e: Event): void {
  if (e.kind === 'session.state') {
    const s = e.payload as Session;
    liveSessions.set(s.id, s);
    if (s.state === 'waiting' || s.state === 'exited' || s.state === 'failed') notify(e, sessionNotice(e, s));
    else if (s.state === 'killed') killed(e, s);
    else withdraw(s.id);
  } else if (e.kind === 'job.failed') {
    // A backup, restore, update or tool install failed (admins only get these).
    const job = e.payload as Job;
    notify(e, {
      id: e.id,
      kind: 'sync_failed',
      title: `${job.kind.replace('_', ' ')} ${job.subject} failed`,
      detail: job.error ?? '',
      href: '/admin',
      at: e.at,
      read: false,
    });
  } else if (e.kind === 'sync.failed') {
    // The server adds the integration's name to the run (see the Event schema).
    const run = e.payload as SyncRun & { integration_name?: string };
    notify(e, {
      id: e.id,
      kind: 'sync_failed',
      title: `Sync of ${run.integration_name ?? `integration #${run.integration_id}`} failed`,
      detail: run.error ?? '',
      href: '/projects',
      at: e.at,
      read: false,
    });
  }
}

/**
 * A killed session waits for nobody: its `waiting` notice (read or not) gives way to a
 * read one saying it was killed, and a browser notification about it is closed.
 */
function killed(e: Event, s: Session): void {
  withdraw(s.id);
  const i = live.notices.findIndex((x) => x.sessionId === s.id && x.kind === 'waiting');
  if (i < 0 || live.notices.some((x) => x.id === e.id)) return;
  live.notices.splice(i, 1, {
    id: e.id,
    kind: 'killed',
    title: `Session #${s.id} (${s.tool}) was killed`,
    detail: s.issue_title ?? s.detail,
    href: `/sessions/${s.id}`,
    at: e.at,
    read: true,
    sessionId: s.id,
  });
}

function sessionNotice(e: Event, s: Session): Notice {
  const what =
    s.state === 'waiting'
      ? 'is waiting for input'
      : s.state === 'exited'
        ? `exited${s.exit_code != null ? ` (code ${s.exit_code})` : ''}`
        : 'failed';
  return {
    id: e.id,
    kind: s.state as Notice['kind'],
    title: `Session #${s.id} (${s.tool}) ${what}`,
    detail: s.issue_title ?? s.detail,
    href: `/sessions/${s.id}`,
    at: e.at,
    read: false,
    sessionId: s.id,
    error: s.state === 'exited' && s.exit_code != null && s.exit_code !== 0,
  };
}

function notify(e: Event, n: Notice): void {
  // Agents report `waiting` often: a newer report replaces the session's unread notice.
  const i = n.sessionId === undefined ? -1 : live.notices.findIndex((x) => x.sessionId === n.sessionId && !x.read);
  if (i >= 0) live.notices.splice(i, 1);
  if (live.notices.some((x) => x.id === e.id)) return;
  live.notices.unshift(n);
  if (live.notices.length > MAX_NOTICES) live.notices.length = MAX_NOTICES;
  raise(n);
}

function load(): void {
  try {
    const raw = localStorage.getItem(storageKey);
    const saved = raw ? (JSON.parse(raw) as { lastId?: number; notices?: Notice[] }) : {};
    lastId = typeof saved.lastId === 'number' ? saved.lastId : null;
    live.notices = Array.isArray(saved.notices) ? saved.notices.slice(0, MAX_NOTICES) : [];
  } catch {
    lastId = null;
    live.notices = [];
  }
}

function save(): void {
  if (!storageKey) return;
  try {
    localStorage.setItem(storageKey, JSON.stringify({ lastId, notices: live.notices }));
  } catch {
    // Storage full or disabled: notifications still work for this page.
  }
}
