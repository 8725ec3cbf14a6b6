// The browser implementation of `Backend`: fetch with the `aiops_session` cookie
// (same-origin), the CSRF token on every write, EventSource for events and a WebSocket
// for terminals. The only file that talks HTTP.
import { ApiError } from './error';
import type { Backend, StreamState, TerminalHandlers, TerminalSocket } from './index';
import type { FromWorker, ToWorker } from './terminalWorker';
import type * as T from './types';

const API = '/api/v1';
/** Event kinds the server sends as named SSE events (`event:` is the kind). */
const EVENT_KINDS = ['session.state', 'sync.finished', 'sync.failed', 'issue.updated'];

/** Query parameters; undefined, null and empty values are left out. */
type Query = object;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query) as [string, unknown][]) {
    if (v === undefined || v === null || v === '') continue;
    qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** The error body `{"error":{"code","message","field"}}`, or a generic one. */
async function toError(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => null);
  const err = (body as { error?: { code?: unknown; message?: unknown; field?: string | null } } | null)?.error;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') {
    return new ApiError(res.status, err.code as T.ErrorCode, err.message, err.field);
  }
  return new ApiError(res.status, res.status >= 500 ? 'internal' : 'invalid_input', `The server answered ${res.status}.`);
}

export function httpBackend(): Backend {
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
  const get = <R>(path: string, query?: Query) => call<R>('GET', path, { query });
  const post = <R>(path: string, body?: unknown, query?: Query) => call<R>('POST', path, { body, query });
  const put = <R>(path: string, body?: unknown) => call<R>('PUT', path, { body });
  const patch = <R>(path: string, body: unknown) => call<R>('PATCH', path, { body });
  const del = (path: string, query?: Query) => call<void>('DELETE', path, { query });
  const enc = encodeURIComponent;
  const remember = (info: T.SessionInfo) => {
    csrf = info.csrf_token;
    return info;
  };

  return {
    auth: {
      async me() {
        try {
          const me = await get<T.Me>('/auth/me');
          csrf = me.csrf_token ?? null;
          return me;
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) return null;
          throw e;
        }
      },
      login: async (email, password) => remember(await post<T.SessionInfo>('/auth/login', { email, password })),
      setup: async (body) => remember(await post<T.SessionInfo>('/auth/setup', body)),
      async logout() {
        await post<void>('/auth/logout');
        csrf = null;
      },
      changePassword: (current_password, new_password) =>
        post<void>('/users/me/password', { current_password, new_password }),
      onSignedOut: (cb) => void signedOut.push(cb),
    },
    keys: {
      list: (all, page) => get('/auth/keys', { all: all || undefined, ...page }),
      create: (body) => post('/auth/keys', body),
      revoke: (id) => del(`/auth/keys/${id}`),
    },
    sshKeys: {
      list: () => get('/me/ssh-keys'),
      add: (body) => post('/me/ssh-keys', body),
      remove: (id) => del(`/me/ssh-keys/${id}`),
    },
    credentials: {
      list: () => get('/me/credentials'),
      set: (id, body) => put(`/me/credentials/${id}`, body),
      remove: (id) => del(`/me/credentials/${id}`),
    },
    toolCredentials: {
      list: () => get('/me/tool-credentials'),
      set: (kind, value) => put(`/me/tool-credentials/${enc(kind)}`, { value }),
      remove: (kind) => del(`/me/tool-credentials/${enc(kind)}`),
    },
    knownHosts: {
      list: () => get('/known-hosts'),
      confirm: (body) => post('/known-hosts/confirm', body),
      forget: (host) => del('/known-hosts', { host }),
    },
    system: {
      health: () => get('/system/health'),
      features: () => get('/system/features'),
      status: () => get('/system/status'),
    },
    issues: {
      list: (q) => get('/issues', q),
      get: (id) => get(`/issues/${id}`),
      // The server sanitizes (ammonia) before answering: the only source of SanitizedHtml.
      view: (id) => get<T.IssueView>(`/issues/${id}/view`),
      create: (body) => post('/issues', body),
      update: (id, body) => patch(`/issues/${id}`, body),
      assign: (id, assignee) => put(`/issues/${id}/assignee`, { assignee }),
      close: (id) => post(`/issues/${id}/close`),
      reopen: (id) => post(`/issues/${id}/reopen`),
      comment: (id, body) => post(`/issues/${id}/comments`, { body }),
      editComment: (id, commentId, body) => patch(`/issues/${id}/comments/${commentId}`, { body }),
      work: (id, body) => post(`/issues/${id}/work`, body),
      sync: (body) => post('/issues/sync', body),
    },
    syncRuns: {
      list: (q) => get('/sync-runs', q),
      get: (id) => get(`/sync-runs/${id}`),
    },
    tools: {
      list: () => get('/tools'),
      put: (name, body) => put(`/tools/${enc(name)}`, body),
      remove: (name) => del(`/tools/${enc(name)}`),
    },
    sessions: {
      list: (q) => get('/sessions', q),
      start: (body) => post('/sessions', body),
      get: (id) => get(`/sessions/${id}`),
      kill: (id) => post(`/sessions/${id}/kill`),
      respawn: (id) => post(`/sessions/${id}/respawn`),
      logs: (id, tail) => get(`/sessions/${id}/logs`, { tail }),
      terminal: (id, cols, rows, handlers) => openTerminal(id, cols, rows, handlers),
    },
    git: {
      status: (projectId, session) => get(`/projects/${projectId}/git/status`, { session }),
      createPull: (projectId, body) => post(`/projects/${projectId}/pulls`, body),
      pulls: (projectId, q) => get(`/projects/${projectId}/pulls`, q),
      mergePull: (projectId, n, body) => post(`/projects/${projectId}/pulls/${n}/merge`, body),
      closePull: (projectId, n, provider) => post(`/projects/${projectId}/pulls/${n}/close`, undefined, { provider }),
    },
    worktrees: {
      list: (allUsers) => get('/worktrees', { all_users: allUsers || undefined }),
      remove: (body) => post('/worktrees/remove', body),
    },
    tenants: {
      list: (page) => get('/tenants', { ...page }),
      create: (body) => post('/tenants', body),
      update: (t, body) => patch(`/tenants/${enc(t)}`, body),
      remove: (t) => del(`/tenants/${enc(t)}`),
      members: (t, page) => get(`/tenants/${enc(t)}/members`, { ...page }),
      addMember: (t, userId) => put(`/tenants/${enc(t)}/members/${userId}`),
      removeMember: (t, userId) => del(`/tenants/${enc(t)}/members/${userId}`),
    },
    projects: {
      list: (q) => get('/projects', q),
      get: (id) => get(`/projects/${id}`),
      create: (body) => post('/projects', body),
      update: (id, body) => patch(`/projects/${id}`, body),
      remove: (id) => del(`/projects/${id}`),
      members: (id, page) => get(`/projects/${id}/members`, { ...page }),
      addMember: (id, userId) => put(`/projects/${id}/members/${userId}`),
      removeMember: (id, userId) => del(`/projects/${id}/members/${userId}`),
      links: (id) => get(`/projects/${id}/links`),
      link: (id, body) => post(`/projects/${id}/links`, body),
      unlink: (id, linkId) => del(`/projects/${id}/links/${linkId}`),
    },
    integrations: {
      list: (q) => get('/integrations', q),
      create: (body) => post('/integrations', body),
      update: (id, body) => patch(`/integrations/${id}`, body),
      remove: (id) => del(`/integrations/${id}`),
      test: (id) => post(`/integrations/${id}/test`),
    },
    users: {
      list: (page) => get('/users', { ...page }),
      create: (body) => post('/users', body),
      update: (id, body) => patch(`/users/${id}`, body),
    },
    agents: {
      get: () => get('/agents/global'),
      set: (body) => put('/agents/global', body),
      history: (page) => get('/agents/global/history', { ...page }),
      diff: (from, to) => get('/agents/global/diff', { from, to }),
      rollback: (version) => post('/agents/global/rollback', { version }),
    },
    audit: {
      list: (q) => get('/audit', q),
    },
    events: (after, onEvent, onState) => openEvents(after, onEvent, onState),
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
