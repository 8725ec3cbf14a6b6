// Every `Backend` method as one call over a `Transport`: which path, which verb, which
// query. The browser's transport is HTTP (`http.ts`); the desktop's is Tauri commands
// (`tauri.ts`), so both speak the same API with the same shapes and errors.
import { ApiError } from './error';
import type {
  Backend,
  DesktopConnection,
  Download,
  RunLogHandlers,
  StreamState,
  TerminalHandlers,
  TerminalSocket,
  Unsubscribe,
} from './index';
import type * as T from './types';

/** Query parameters; undefined, null and empty values are left out. */
export type Query = object;
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How requests reach the server; errors are `ApiError`s. */
export interface Transport {
  /** One API request (`path` under `/api/v1`); resolves to the JSON body, or undefined for 204. */
  call<R>(method: Method, path: string, opts?: { query?: Query; body?: unknown }): Promise<R>;
  /** A browser session began or was found (login, setup, `me`): its CSRF token, or null. */
  signedIn(csrf: string | null): void;
  /** Ends the sign-in: the browser's session, or the desktop's key for its server. */
  signOut(): Promise<void>;
  /** Calls `cb` when the server says the sign-in ended (401 on a signed-in call). */
  onSignedOut(cb: () => void): void;
  events(after: number | null, onEvent: (e: T.Event) => void, onState: (s: StreamState) => void): Unsubscribe;
  terminal(id: number, cols: number, rows: number, handlers: TerminalHandlers): TerminalSocket;
  /** An automation run's log stream (Server-Sent Events); absent where it cannot be read. */
  runLog?(id: number, offset: number, handlers: RunLogHandlers): Unsubscribe;
  /** A URL for a GET of `path` (under `/api/v1`) that this webview can follow with its own
   *  sign-in (a download link), or null when it has none (the desktop: the key is in Rust). */
  link(path: string): string | null;
  /** Where a link cannot work (the desktop): saves backup `id` into the download folder
   *  and answers with the saved path. */
  saveBackup?(id: string): Promise<string>;
  /** The desktop's own sign-in (see `Backend.desktop`). */
  desktop?: DesktopConnection;
}

/** `Query` as name/value pairs, undefined, null and empty values left out. */
export function queryPairs(query?: Query): [string, string][] {
  if (!query) return [];
  return (Object.entries(query) as [string, unknown][])
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => [k, String(v)]);
}

/** `Query` as a query string (`?a=1&b=x`, or empty). */
export function queryString(query?: Query): string {
  const s = new URLSearchParams(queryPairs(query)).toString();
  return s ? `?${s}` : '';
}

export function backendOver(t: Transport): Backend {
  const get = <R>(path: string, query?: Query) => t.call<R>('GET', path, { query });
  const post = <R>(path: string, body?: unknown, query?: Query) => t.call<R>('POST', path, { body, query });
  const put = <R>(path: string, body?: unknown) => t.call<R>('PUT', path, { body });
  const patch = <R>(path: string, body: unknown) => t.call<R>('PATCH', path, { body });
  const del = (path: string, query?: Query) => t.call<void>('DELETE', path, { query });
  const enc = encodeURIComponent;
  const remember = (info: T.SessionInfo) => {
    t.signedIn(info.csrf_token);
    return info;
  };

  return {
    desktop: t.desktop,
    auth: {
      async me() {
        try {
          const me = await get<T.Me>('/auth/me');
          t.signedIn(me.csrf_token ?? null);
          return me;
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) return null;
          throw e;
        }
      },
      login: async (email, password) => remember(await post<T.SessionInfo>('/auth/login', { email, password })),
      setup: async (body) => remember(await post<T.SessionInfo>('/auth/setup', body)),
      async logout() {
        await t.signOut();
        t.signedIn(null);
      },
      changePassword: (current_password, new_password) =>
        post<void>('/users/me/password', { current_password, new_password }),
      onSignedOut: (cb) => t.onSignedOut(cb),
      preferences: () => get('/auth/me/preferences'),
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
    chat: {
      integrations: (q) => get('/chat/integrations', q),
      users: (id) => get(`/chat/integrations/${id}/users`),
      update: (id, body) => patch(`/chat/integrations/${id}`, body),
    },
    hosts: {
      list: () => get('/hosts'),
      test: (id) => post(`/hosts/${id}/test`),
      update: (id, body) => patch(`/hosts/${id}`, body),
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
      backups: () => get('/system/backups'),
      createBackup: (body) => post('/system/backups', body),
      backupDownload(id): Download {
        const href = t.link(`/system/backups/${enc(id)}/download`);
        if (href) return { href };
        const save = t.saveBackup;
        return save
          ? { save: () => save(id) }
          : { save: () => Promise.reject(new Error(`run \`aiops system backup download ${id}\` in a terminal`)) };
      },
      deleteBackup: (id) => del(`/system/backups/${enc(id)}`),
      restoreBackup: (id, body) => post(`/system/backups/${enc(id)}/restore`, body),
      restart: () => post('/system/restart'),
      update: (body) => post('/system/update', body),
    },
    jobs: {
      list: (q) => get('/system/jobs', q),
      log: (id, offset, wait) => get(`/system/jobs/${id}`, { offset, wait }),
      cancel: (id) => post(`/system/jobs/${id}/cancel`),
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
      status: () => get('/tools/status'),
      install: (name, upgrade, body) => post(`/tools/${enc(name)}/${upgrade ? 'upgrade' : 'install'}`, body),
    },
    sessions: {
      list: (q) => get('/sessions', q),
      start: (body) => post('/sessions', body),
      get: (id) => get(`/sessions/${id}`),
      kill: (id) => post(`/sessions/${id}/kill`),
      respawn: (id) => post(`/sessions/${id}/respawn`),
      logs: (id, tail) => get(`/sessions/${id}/logs`, { tail }),
      terminal: (id, cols, rows, handlers) => t.terminal(id, cols, rows, handlers),
      changes: (id) => get(`/sessions/${id}/changes`),
    },
    reviews: {
      list: (id, resolved) => get(`/sessions/${id}/review-comments`, { resolved: resolved || undefined }),
      create: (id, body) => post(`/sessions/${id}/review-comments`, body),
      update: (id, cid, body) => patch(`/sessions/${id}/review-comments/${cid}`, body),
      remove: (id, cid) => del(`/sessions/${id}/review-comments/${cid}`),
      send: (id) => post(`/sessions/${id}/review-comments/send`),
    },
    git: {
      status: (projectId, session) => get(`/projects/${projectId}/git/status`, { session }),
      stage: (projectId, body) => post(`/projects/${projectId}/git/stage`, body),
      unstage: (projectId, body) => post(`/projects/${projectId}/git/unstage`, body),
      commit: (projectId, body) => post(`/projects/${projectId}/git/commit`, body),
      push: (projectId, body) => post(`/projects/${projectId}/git/push`, body),
      log: (projectId, session, limit) => get(`/projects/${projectId}/git/log`, { session, limit }),
      createPull: (projectId, body) => post(`/projects/${projectId}/pulls`, body),
      pulls: (projectId, q) => get(`/projects/${projectId}/pulls`, q),
      pull: (projectId, n, provider) => get(`/projects/${projectId}/pulls/${n}`, { provider }),
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
      addMember: (t, userId, role) => put(`/tenants/${enc(t)}/members/${userId}`, role ? { role } : undefined),
      removeMember: (t, userId) => del(`/tenants/${enc(t)}/members/${userId}`),
    },
    projects: {
      list: (q) => get('/projects', q),
      get: (id) => get(`/projects/${id}`),
      create: (body) => post('/projects', body),
      checkRepo: (id) => post(`/projects/${id}/check-repo`),
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
    automation: {
      targets: (q) => get('/automation/targets', q),
      target: (id) => get(`/automation/targets/${id}`),
      createTarget: (body) => post('/automation/targets', body),
      updateTarget: (id, body) => patch(`/automation/targets/${id}`, body),
      removeTarget: (id) => del(`/automation/targets/${id}`),
      testTarget: (id) => post(`/automation/targets/${id}/test`),
      templates: (id, projectId) => get(`/automation/targets/${id}/templates`, { project_id: projectId }),
      runs: (q) => get('/automation/runs', q),
      run: (id) => get(`/automation/runs/${id}`),
      start: (body) => post('/automation/runs', body),
      stop: (id) => post(`/automation/runs/${id}/stop`),
      log: (id, offset, handlers) => t.runLog?.(id, offset, handlers) ?? null,
    },
    events: (after, onEvent, onState) => t.events(after, onEvent, onState),
  };
}
