// The browser's `Transport` (see `methods.ts`): fetch with the `aiops_session` cookie
// (same-origin), the CSRF token on every write, EventSource for events and a WebSocket
// (in a worker) for terminals. The only file that talks HTTP.
import { ApiError, errorFrom } from './error';
import type { Backend, RunLogHandlers, StreamState, TerminalHandlers, TerminalSocket, Unsubscribe } from './index';
import { backendOver, queryString, type Method, type Query, type Transport } from './methods';
import type { FromWorker, ToWorker } from './terminalWorker';
import type * as T from './types';

const API = '/api/v1';
/** Event kinds the server sends as named SSE events (`event:` is the kind). */
const EVENT_KINDS = [
  'session.state',
  'session.git',
  'sync.finished',
  'sync.failed',
  'issue.created',
  'issue.updated',
  'issue.closed',
  'issue.commented',
  'issue.deleted',
  'automation.run',
];

const withQuery = (path: string, query?: Query) => path + queryString(query);


async function toError(res: Response): Promise<ApiError> {
  return errorFrom(res.status, await res.json().catch(() => null));
}

export function httpBackend(): Backend {
  return backendOver(httpTransport());
}

function httpTransport(): Transport {
  let csrf: string | null = null;
  const signedOut: (() => void)[] = [];

  async function call<R>(method: Method, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<R> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    let res: Response;
    try {
      res = await fetch(withQuery(API + path, opts.query), {
        method,
        headers,
        credentials: 'same-origin',
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch {
      throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
    }
    if (!res.ok) {
      const e = await toError(res);
      if (res.status === 401 && csrf && !path.startsWith('/auth/')) {
        csrf = null;
        for (const cb of signedOut) cb();
      }
      throw e;
    }
    if (res.status === 204) return undefined as R;
    return (await res.json()) as R;
  }

  return {
    call,
    signedIn: (token) => void (csrf = token),
    signOut: () => call<void>('POST', '/auth/logout'),
    onSignedOut: (cb) => void signedOut.push(cb),
    events: openEvents,
    terminal: openTerminal,
    runLog: openRunLog,
    // Same origin: the session cookie goes with a plain link (a GET needs no CSRF token).
    link: (path) => API + path,
  };
}

/**
 * EventSource reconnects by itself after a dropped connection (sending Last-Event-ID);
 * after a refused one (e.g. 401) it gives up, so we start a new one after a pause,
 * resuming after the last event seen.
 */
function openEvents(after: number | null, onEvent: (e: T.Event) => void, onState: (s: StreamState) => void) {
  let last = after;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const handle = (m: MessageEvent<string>) => {
    try {
      const e = JSON.parse(m.data) as T.Event;
      last = e.id;
      onEvent(e);
    } catch {
      // A malformed event is skipped; the stream goes on.
    }
  };
  const connect = () => {
    onState('connecting');
    source = new EventSource(withQuery(`${API}/events`, { after: last }), { withCredentials: true });
    source.onopen = () => onState('open');
    source.onerror = () => {
      if (source?.readyState === EventSource.CLOSED) {
        onState('closed');
        source = null;
        if (!stopped) timer = setTimeout(connect, 5000);
      } else {
        onState('connecting');
      }
    };
    source.onmessage = handle;
    for (const kind of EVENT_KINDS) source.addEventListener(kind, handle);
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}

/**
 * An automation run's log (`GET /automation/runs/{id}/log`, Server-Sent Events with the
 * session cookie). EventSource resumes a dropped stream with Last-Event-ID (the next byte
 * offset); a refused one is started again after a pause from the last offset. The `end`
 * event closes it for good: the server ends the stream there, and EventSource would
 * otherwise reconnect.
 */
function openRunLog(id: number, offset: number, h: RunLogHandlers): Unsubscribe {
  let next = offset;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
    source = null;
  };
  const onOutput = (m: MessageEvent<string>) => {
    let chunk: T.AutomationLogChunk;
    try {
      chunk = JSON.parse(m.data) as T.AutomationLogChunk;
    } catch {
      return;
    }
    const bytes = encoder.encode(chunk.text);
    const end = chunk.offset + bytes.length;
    if (end <= next) return;
    // Offsets count bytes: a chunk overlapping what was shown is cut in bytes.
    const text = chunk.offset < next ? decoder.decode(bytes.subarray(next - chunk.offset)) : chunk.text;
    const from = Math.max(chunk.offset, next);
    next = end;
    h.onOutput({ offset: from, text });
  };
  const onEnd = (m: MessageEvent<string>) => {
    let run: T.AutomationRun;
    try {
      run = JSON.parse(m.data) as T.AutomationRun;
    } catch {
      return;
    }
    stop();
    h.onState?.('closed');
    h.onEnd(run);
  };
  const connect = () => {
    h.onState?.('connecting');
    source = new EventSource(withQuery(`${API}/automation/runs/${id}/log`, { offset: next }), { withCredentials: true });
    source.onopen = () => h.onState?.('open');
    source.onerror = () => {
      if (stopped) return;
      if (source?.readyState === EventSource.CLOSED) {
        h.onState?.('closed');
        source = null;
        timer = setTimeout(connect, 3000);
      } else {
        h.onState?.('connecting');
      }
    };
    source.addEventListener('output', onOutput);
    source.addEventListener('end', onEnd);
  };
  connect();
  return stop;
}

/**
 * The terminal socket lives in a worker (see `terminalWorker.ts` for why); this side
 * keeps the handlers and the open state.
 */
function openTerminal(id: number, cols: number, rows: number, h: TerminalHandlers): TerminalSocket {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${location.host}${withQuery(`${API}/sessions/${id}/terminal`, { cols, rows })}`;
  const worker = new Worker(new URL('./terminalWorker.ts', import.meta.url), { type: 'module' });
  const encoder = new TextEncoder();
  let open = false;
  let closed = false;
  const post = (m: ToWorker) => {
    if (open) worker.postMessage(m);
  };
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (closed) return;
    if (m.type === 'open') {
      open = true;
      h.onOpen();
    } else if (m.type === 'data') {
      h.onData(new Uint8Array(m.data));
    } else {
      open = false;
      closed = true;
      worker.terminate();
      h.onClose({ code: m.code, reason: m.reason });
    }
  };
  worker.onerror = () => {
    if (closed) return;
    open = false;
    closed = true;
    worker.terminate();
    h.onClose({ code: 1006, reason: 'The terminal could not start in this browser.' });
  };
  worker.postMessage({ type: 'open', url } satisfies ToWorker);
  return {
    send(data) {
      post({ type: 'send', data: typeof data === 'string' ? encoder.encode(data) : data });
    },
    resize(c, r) {
      post({ type: 'send', data: JSON.stringify({ type: 'resize', cols: c, rows: r }) });
    },
    ack(bytes) {
      if (bytes > 0) post({ type: 'send', data: JSON.stringify({ type: 'ack', bytes }) });
    },
    close() {
      closed = true;
      open = false;
      worker.postMessage({ type: 'close' } satisfies ToWorker);
    },
  };
}
