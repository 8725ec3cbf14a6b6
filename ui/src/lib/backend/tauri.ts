// The desktop's `Transport` (see `methods.ts`): every request is the `api` Tauri command,
// which the Rust side sends with the connection's API key (`src-tauri/src/desktop/api.rs`).
// The key never enters this webview. Events and terminal output come through Tauri
// channels from connections the Rust side keeps open.
import { Channel, invoke } from '@tauri-apps/api/core';
import { ApiError, errorFrom } from './error';
import type {
  Backend,
  DesktopConnection,
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

  const desktop: DesktopConnection = {
    server: () => invoke<string | null>('desktop_server'),
    notifications: () => invoke<NotificationPrefs>('notifications_get'),
    async setNotifications(prefs) {
      try {
        await invoke('notifications_set', { prefs });
      } catch (e) {
        throw new ApiError(0, 'internal', typeof e === 'string' ? e : 'The settings could not be saved.');
      }
    },
    sshPrefs: () => invoke<SshPrefs | null>('ssh_prefs_get'),
    async setSshPrefs(prefs) {
      try {
        return await invoke<SshPrefs>('ssh_prefs_set', { prefs });
      } catch (e) {
        throw new ApiError(0, 'invalid_input', typeof e === 'string' ? e : 'The settings could not be saved.');
      }
    },
    async trustHost(host, port, fingerprint) {
      try {
        await invoke('ssh_trust_host', { host, port, fingerprint });
      } catch (e) {
        throw new ApiError(0, 'internal', typeof e === 'string' ? e : 'The host key could not be saved.');
      }
    },
    async unlockKey(keyFile, passphrase, remember) {
      try {
        await invoke('ssh_key_passphrase', { keyFile, passphrase, remember });
      } catch (e) {
        throw new ApiError(0, 'internal', typeof e === 'string' ? e : 'The passphrase could not be kept.');
      }
    },
    async connect(url: string, email: string, password: string) {
      try {
        return await invoke<T.User>('connect', { url, email, password });
      } catch (e) {
        throw new ApiError(0, 'invalid_input', typeof e === 'string' ? e : 'Signing in failed.');
      }
    },
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
  };
}
