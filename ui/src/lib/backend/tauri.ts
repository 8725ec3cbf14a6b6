// The desktop's `Transport` (see `methods.ts`): every request is the `api` Tauri command,
// which the Rust side sends with the connection's API key (`src-tauri/src/desktop/api.rs`).
// The key never enters this webview. Events and terminal output come through Tauri
// channels from connections the Rust side keeps open.
import { Channel, invoke } from '@tauri-apps/api/core';
import { ApiError, errorFrom } from './error';
import type {
  Backend,
  ConnectionList,
  DesktopConnection,
  DesktopStatus,
  LocalStatus,
  NotificationPrefs,
  SshPrefs,
  StreamState,
  TerminalHandlers,
  TerminalRefusal,
  TerminalSocket,
  TerminalTransport,
  Unsubscribe,
} from './index';
import { backendOver, queryPairs, type Method, type Query, type Transport } from './methods';
import type * as T from './types';

/** What the `api` command answers: the status and the JSON body, whatever the status. */
interface Answer {
  status: number;
  body: unknown;
}

/** Messages of the `events` command's channel. */
type EventMessage = { type: 'event'; event: T.Event } | { type: 'state'; state: StreamState };

/** A `terminal_open` refusal (`Refusal` in `desktop/attach/remote.rs`). */
function isRefusal(e: unknown): e is TerminalRefusal {
  return typeof e === 'object' && e !== null && 'kind' in e && 'message' in e;
}

/** True inside the desktop's webview. */
export function inDesktop(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

export function tauriBackend(): Backend {
  return backendOver(tauriTransport());
}

function tauriTransport(): Transport {
  const signedOut: (() => void)[] = [];

  async function call<R>(method: Method, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<R> {
    let answer: Answer;
    try {
      answer = await invoke<Answer>('api', { method, path, query: queryPairs(opts.query), body: opts.body ?? null });
    } catch (e) {
      // The command failed before an answer: no server, or a request it refused to send.
      throw new ApiError(0, 'network', typeof e === 'string' ? e : 'The server cannot be reached.');
    }
    if (answer.status >= 200 && answer.status < 300) return (answer.status === 204 ? undefined : answer.body) as R;
    if (answer.status === 401 && !path.startsWith('/auth/')) for (const cb of signedOut) cb();
    throw errorFrom(answer.status, answer.body);
  }

  function events(after: number | null, onEvent: (e: T.Event) => void, onState: (s: StreamState) => void): Unsubscribe {
    const channel = new Channel<EventMessage>();
    let stopped = false;
    channel.onmessage = (m) => {
      if (stopped) return;
      if (m.type === 'event') onEvent(m.event);
      else onState(m.state);
    };
    const id = invoke<number>('events_follow', { after, channel }).catch(() => {
      onState('closed');
      return null;
    });
    return () => {
      stopped = true;
      void id.then((i) => i !== null && invoke('events_stop', { id: i }));
    };
  }

  /**
   * A terminal the Rust side attaches (`src-tauri/src/desktop/attach`): over SSH, the
   * server's socket (opened with the key) or a local PTY. Output arrives on a channel as
   * ArrayBuffers between a transport message and a close message. Calls go out one after
   * another, so keystrokes arrive in the order they were typed.
   */
  function terminal(session: number, cols: number, rows: number, h: TerminalHandlers): TerminalSocket {
    type Message =
      | ArrayBuffer
      | { type: 'close'; code: number; reason: string }
      | ({ type: 'transport' } & TerminalTransport);
    const channel = new Channel<Message>();
    let ended = false;
    const end = (info: { code: number; reason: string; refusal?: TerminalRefusal }) => {
      if (ended) return;
      ended = true;
      h.onClose(info);
    };
    channel.onmessage = (m) => {
      if (m instanceof ArrayBuffer) h.onData(new Uint8Array(m));
      else if (m.type === 'transport') h.onTransport?.({ name: m.name, note: m.note });
      else end({ code: m.code, reason: m.reason });
    };
    let queue: Promise<number | null> = invoke<number>('terminal_open', { session, cols, rows, channel }).then(
      (id) => {
        h.onOpen();
        return id;
      },
      (e: unknown) => {
        const refusal = isRefusal(e) ? e : undefined;
        const reason = refusal?.message ?? (typeof e === 'string' ? e : 'The terminal could not open.');
        end({ code: 1011, reason, refusal });
        return null;
      },
    );
    /** Queues one command on the open terminal (`closing`: also once it has ended). */
    const then = (cmd: string, args: (id: number) => Record<string, unknown>, closing = false) => {
      queue = queue.then(async (id) => {
        if (id !== null && (closing || !ended)) await invoke(cmd, args(id)).catch(() => undefined);
        return id;
      });
    };
    const encoder = new TextEncoder();
    return {
      send(data) {
        const bytes = typeof data === 'string' ? encoder.encode(data) : data;
        then('terminal_input', (id) => ({ id, data: Array.from(bytes) }));
      },
      resize(c, r) {
        then('terminal_control', (id) => ({ id, text: JSON.stringify({ type: 'resize', cols: c, rows: r }) }));
      },
      ack(bytes) {
        if (bytes > 0) then('terminal_control', (id) => ({ id, text: JSON.stringify({ type: 'ack', bytes }) }));
      },
      close() {
        ended = true;
        then('terminal_close', (id) => ({ id }), true);
      },
    };
  }

  /** Runs a desktop command; its `Err` string becomes an `ApiError` with `code`. */
  async function command<R>(name: string, args: Record<string, unknown>, code: ApiError['code'], fallback: string): Promise<R> {
    try {
      return await invoke<R>(name, args);
    } catch (e) {
      throw new ApiError(0, code, typeof e === 'string' ? e : fallback);
    }
  }

  const desktop: DesktopConnection = {
    status: () => invoke<DesktopStatus>('desktop_status'),
    localStatus: () => command<LocalStatus>('local_status', {}, 'internal', 'This computer’s data could not be read.'),
    connectLocal: (email, password) =>
      command<T.User>('connect_local', { email, password }, 'invalid_input', 'Signing in failed.'),
    connections: () => command<ConnectionList>('connections_list', {}, 'internal', 'The connections could not be read.'),
    switchTo: (id) => command<void>('connection_switch', { id }, 'invalid_input', 'That connection could not open.'),
    forget: (id) => command<void>('connection_forget', { id }, 'invalid_input', 'That connection could not be forgotten.'),
    openExternal: (url) => void invoke('open_external', { url }).catch(() => undefined),
    notifications: () => invoke<NotificationPrefs>('notifications_get'),
    setNotifications: (prefs) =>
      command<void>('notifications_set', { prefs }, 'internal', 'The settings could not be saved.'),
    connect: (url, email, password) =>
      command<T.User>('connect', { url, email, password }, 'invalid_input', 'Signing in failed.'),
    sshPrefs: () => invoke<SshPrefs | null>('ssh_prefs_get'),
    setSshPrefs: (prefs) => command<SshPrefs>('ssh_prefs_set', { prefs }, 'invalid_input', 'The settings could not be saved.'),
    trustHost: (host, port, fingerprint) =>
      command<void>('ssh_trust_host', { host, port, fingerprint }, 'internal', 'The host key could not be saved.'),
    unlockKey: (keyFile, passphrase, remember) =>
      command<void>('ssh_key_passphrase', { keyFile, passphrase, remember }, 'internal', 'The passphrase could not be kept.'),
  };

  return {
    call,
    desktop,
    // The key lives in Rust; there is no browser session or CSRF token here.
    signedIn: () => {},
    // Signing out forgets this app's key (and revokes it), not a browser session.
    async signOut() {
      await invoke('disconnect').catch((e: unknown) => {
        throw new ApiError(0, 'network', typeof e === 'string' ? e : 'Signing out failed.');
      });
    },
    onSignedOut: (cb) => void signedOut.push(cb),
    events,
    terminal,
    // The webview holds no credential, so a link would be refused: the Rust side
    // streams the file into the download folder instead.
    link: () => null,
    saveBackup: (id) =>
      invoke<string>('backup_save', { id }).catch((e: unknown) => {
        throw new ApiError(0, 'network', typeof e === 'string' ? e : 'Saving the backup failed.');
      }),
  };
}
