// The desktop's `Transport` (see `methods.ts`): every request is the `api` Tauri command,
// which the Rust side sends with the connection's API key (`src-tauri/src/desktop/api.rs`).
// The key never enters this webview. Events come through a Tauri channel from a
// subscription the Rust side keeps open.
import { Channel, invoke } from '@tauri-apps/api/core';
import { ApiError, errorFrom } from './error';
import type { Backend, StreamState, TerminalHandlers, TerminalSocket, Unsubscribe } from './index';
import { backendOver, queryPairs, type Method, type Query, type Transport } from './methods';
import type * as T from './types';

/** What the `api` command answers: the status and the JSON body, whatever the status. */
interface Answer {
  status: number;
  body: unknown;
}

/** Messages of the `events` command's channel. */
type EventMessage = { type: 'event'; event: T.Event } | { type: 'state'; state: StreamState };

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

  function terminal(_id: number, _cols: number, _rows: number, h: TerminalHandlers): TerminalSocket {
    // The desktop attaches through SSH or a local PTY; until that lands, say so.
    queueMicrotask(() =>
      h.onClose({ code: 1000, reason: 'Terminals in the desktop app are not available yet: open this session in a browser, or attach with `aiops sessions attach`.' }),
    );
    return { send() {}, resize() {}, ack() {}, close() {} };
  }

  return {
    call,
    // The key lives in Rust; there is no browser session or CSRF token here.
    signedIn: () => {},
    onSignedOut: (cb) => void signedOut.push(cb),
    events,
    terminal,
  };
}
