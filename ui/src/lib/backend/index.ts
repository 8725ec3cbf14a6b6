// The one seam between the UI and the server. Components import `backend` (and the
// types) from here and never call fetch, WebSocket, EventSource or Tauri themselves.
//
// The implementation is chosen once, at start. Every method is one request over a
// transport (`methods.ts`): HTTP in the browser (`http.ts`); the desktop adds a Tauri
// transport (`tauri.ts`), picked here when running inside the webview.
import { httpBackend } from './http';
import { inDesktop, tauriBackend } from './tauri';
import type * as T from './types';

export { ApiError, errorMessage } from './error';
export type * from './types';

/** Stops a subscription. */
export type Unsubscribe = () => void;

/** Callbacks of a terminal connection. */
export interface TerminalHandlers {
  /** The connection is up. */
  onOpen(): void;
  /** Output bytes; acknowledge them with `ack` once written to the screen. */
  onData(data: Uint8Array): void;
  /** The connection ended (closed by either side, or never opened). */
  onClose(info: TerminalClose): void;
  /** What carries the terminal (the desktop app says; the browser's is a WebSocket). */
  onTransport?(transport: TerminalTransport): void;
}

/** How a terminal ended; `refusal` when it never opened for a reason the user acts on. */
export interface TerminalClose {
  code: number;
  reason: string;
  refusal?: TerminalRefusal;
}

/** Which transport carries a desktop terminal; `note` says why SSH was not used. */
export interface TerminalTransport {
  name: 'ssh' | 'websocket' | 'local';
  note?: string | null;
}

/**
 * Why the desktop could not open a terminal (`kind` says what to do): an SSH host seen
 * for the first time (show the fingerprint; trust it, then reconnect), one whose key
 * changed (refused), a key file's passphrase (ask; then reconnect), or just a message.
 */
export type TerminalRefusal =
  | { kind: 'message'; message: string }
  | { kind: 'unknown_host' | 'changed_host'; message: string; host: string; port: number; key_type: string; fingerprint: string }
  | { kind: 'passphrase'; message: string; key_file: string; wrong: boolean };

/** A saved server's SSH settings for terminals; unset fields take the defaults. */
export interface SshPrefs {
  port?: number | null;
  user?: string | null;
  key_file?: string | null;
}

/** A live terminal attach (`tmux attach` on the server). */
export interface TerminalSocket {
  /** Keystrokes or a paste. */
  send(data: string | Uint8Array): void;
  /** The terminal's size in cells. */
  resize(cols: number, rows: number): void;
  /** `bytes` more output bytes were written to the screen (flow control). */
  ack(bytes: number): void;
  /** Detach; the session keeps running. */
  close(): void;
}

/**
 * A file the API streams (a backup archive): a link the browser follows with its own
 * sign-in, or — in the desktop, whose webview holds no credential — a save the Rust side
 * does into the download folder (answering with the saved path).
 */
export type Download = { href: string } | { save: () => Promise<string> };

/** Callbacks of an automation run's log stream. */
export interface RunLogHandlers {
  /** Output from byte `offset` (lines, ANSI colour codes kept); never repeats a byte. */
  onOutput(chunk: T.AutomationLogChunk): void;
  /** The run has ended (the stream closes after this). */
  onEnd(run: T.AutomationRun): void;
  /** Connection state, for an indicator; `closed` while waiting to reconnect. */
  onState?(s: StreamState): void;
}

/** Event-stream connection state, for an indicator. */
export type StreamState = 'connecting' | 'open' | 'closed';

/** What only the desktop app has: its connections, with every key kept in Rust. */
export interface DesktopConnection {
  /** The open connection, and why the saved one did not open at start. */
  status(): Promise<DesktopStatus>;
  /** Whether this computer's control plane has a user yet (else the form creates one). */
  localStatus(): Promise<LocalStatus>;
  /** Signs in to the server at `url`; its API key goes to the OS keychain, never here. */
  connect(url: string, email: string, password: string): Promise<T.User>;
  /** "This computer": starts the control plane in the app, creating the first admin on a
   *  fresh data dir, else signing in with this account. */
  connectLocal(email: string, password: string): Promise<T.User>;
  /** The saved connections and which is open. */
  connections(): Promise<ConnectionList>;
  /** Opens a saved connection (the page reloads after). */
  switchTo(id: string): Promise<void>;
  /** Forgets a saved connection that is not the open one, and its key. */
  forget(id: string): Promise<void>;
  /** Opens an http(s) URL in the OS's browser (never in the app's window). */
  openExternal(url: string): void;
  /** Which events raise an OS notification (kept in the app's `desktop.toml`). */
  notifications(): Promise<NotificationPrefs>;
  setNotifications(prefs: NotificationPrefs): Promise<void>;
  /** SSH settings of the server signed in to; null when it is not a saved server. */
  sshPrefs(): Promise<SshPrefs | null>;
  /** Saves them; resolves to what was saved. */
  setSshPrefs(prefs: SshPrefs): Promise<SshPrefs>;
  /** Trusts a host key an `unknown_host` refusal showed (appends it to ~/.ssh/known_hosts). */
  trustHost(host: string, port: number, fingerprint: string): Promise<void>;
  /** A key file's passphrase for the next attempts; `remember` keeps it in the OS keychain. */
  unlockKey(keyFile: string, passphrase: string, remember: boolean): Promise<void>;
}

export interface DesktopStatus {
  server: string | null;
  local: boolean;
  problem: string | null;
}

export interface LocalStatus {
  has_users: boolean;
  data_dir: string;
}

/** A connection saved in the app's `desktop.toml`. */
export interface SavedConnection {
  /** `local`, or the server's URL. */
  id: string;
  name: string;
  kind: 'local' | 'remote';
  url?: string;
  email?: string | null;
}

export interface ConnectionList {
  open: string | null;
  connections: SavedConnection[];
}

/** The desktop's notification toggles. */
export interface NotificationPrefs {
  waiting: boolean;
  exited: boolean;
  failed: boolean;
  sync_failed: boolean;
  do_not_disturb: boolean;
}

export interface Backend {
  /** Present in the desktop app only. */
  desktop?: DesktopConnection;
  auth: {
    /** The caller, or null when not signed in. */
    me(): Promise<T.Me | null>;
    login(email: string, password: string): Promise<T.SessionInfo>;
    setup(body: T.SetupRequest): Promise<T.SessionInfo>;
    logout(): Promise<void>;
    changePassword(current: string, next: string): Promise<void>;
    /** Called whenever the server answers 401 to a signed-in caller (the session ended). */
    onSignedOut(cb: () => void): void;
    /** The caller's preferences: `default_tool`, and `last_tool` (their newest session's). */
    preferences(): Promise<T.Preferences>;
  };
  keys: {
    list(all: boolean, page?: T.PageQuery): Promise<T.Page<T.ApiKey>>;
    create(body: T.CreateApiKey): Promise<T.CreatedApiKey>;
    revoke(id: number): Promise<void>;
  };
  /** The caller's SSH keys for git (the private part is write-only). */
  sshKeys: {
    list(): Promise<T.SshKey[]>;
    add(body: T.AddSshKey): Promise<T.SshKey>;
    remove(id: number): Promise<void>;
  };
  /** The caller's personal tracker tokens and identities, per integration (write-only tokens). */
  credentials: {
    list(): Promise<T.PersonalCredential[]>;
    set(integrationId: number, body: T.SetPersonalCredential): Promise<T.PersonalCredential>;
    remove(integrationId: number): Promise<void>;
  };
  /** The caller's keys for the agents themselves (write-only). */
  toolCredentials: {
    list(): Promise<T.ToolCredential[]>;
    set(kind: T.ToolCredentialKind, value: string): Promise<T.ToolCredential>;
    remove(kind: T.ToolCredentialKind): Promise<void>;
  };
  /** Telegram and Slack bots of the caller's tenants (created with `aiops telegram|slack`). */
  chat: {
    integrations(q: T.ChatIntegrationQuery): Promise<T.Page<T.ChatIntegration>>;
    /** Changes a bot (tenant admins); tokens go in write-only (Slack's `app_token`: Socket
     *  Mode; an empty one returns to polling). */
    update(id: number, body: T.UpdateChatIntegration): Promise<T.ChatIntegration>;
    /** The chat users linked to aiops users (tenant admins). */
    users(id: number): Promise<T.ChatUser[]>;
  };
  /** Session hosts (admins): machines that run sessions over SSH. */
  hosts: {
    list(): Promise<T.Host[]>;
    /** Logs in over SSH and records what the host has (a remote call: can be slow). */
    test(id: number): Promise<T.Host>;
    update(id: number, body: T.UpdateHost): Promise<T.Host>;
  };
  /** SSH host keys aiops has seen; admins trust pending ones and forget hosts. */
  knownHosts: {
    list(): Promise<T.KnownHost[]>;
    confirm(body: T.ConfirmKnownHost): Promise<T.KnownHost>;
    forget(host: string): Promise<void>;
  };
  system: {
    health(): Promise<T.Health>;
    /** What this server allows its users (yolo, the session limit). */
    features(): Promise<T.Features>;
    status(): Promise<T.Status>;
    /** Backups in the data dir, newest first. */
    backups(): Promise<T.Backup[]>;
    /** Makes one (a job); a passphrase encrypts it and only then includes `secret.key`. */
    createBackup(body: T.CreateBackup): Promise<T.Job>;
    /** Where the archive can be fetched, or why it cannot be from here. */
    backupDownload(id: string): Download;
    deleteBackup(id: string): Promise<void>;
    /** Restores one (a job); when it succeeds the server restarts on the restored data. */
    restoreBackup(id: string, body: T.RestoreBackup): Promise<T.Job>;
    /** Restarts the server in place (same URL); `started_at` changes once it is back. */
    restart(): Promise<T.Restarting>;
    /** Updates the binary from the signed release manifest (a job); `conflict` when it
     *  cannot (no `update_url`, or a package manager owns the binary: the message says
     *  which command to run instead). */
    update(body: T.UpdateRequest): Promise<T.Job>;
  };
  /** Background jobs (backups, restores, updates, tool installs); admin only. */
  jobs: {
    list(q: T.JobQuery): Promise<T.Page<T.Job>>;
    /** The job and its output from byte `offset`; with `wait` (≤ 30 s) the server holds
     *  the answer until there is new output or the job has ended (a long poll). */
    log(id: number, offset: number, wait?: number): Promise<T.JobLog>;
    /** `conflict` when it has already ended. */
    cancel(id: number): Promise<T.Job>;
  };
  issues: {
    list(q: T.IssueQuery): Promise<T.Page<T.Issue>>;
    get(id: number): Promise<T.Issue>;
    /** The issue with description and comments as server-sanitized HTML. */
    view(id: number): Promise<T.IssueView>;
    create(body: T.CreateIssue): Promise<T.Issue>;
    update(id: number, body: T.UpdateIssue): Promise<T.Issue>;
    assign(id: number, assignee: string | null): Promise<T.Issue>;
    close(id: number): Promise<T.Issue>;
    reopen(id: number): Promise<T.Issue>;
    comment(id: number, body: string): Promise<T.Comment>;
    editComment(id: number, commentId: number, body: string): Promise<T.Comment>;
    work(id: number, body: T.WorkIssue): Promise<T.StartedSession>;
    /** Queues a sync per integration (of a project, or one integration); poll the runs. */
    sync(body: T.SyncRequest): Promise<T.SyncQueued>;
  };
  syncRuns: {
    list(q: T.SyncRunQuery): Promise<T.Page<T.SyncRun>>;
    get(id: number): Promise<T.SyncRun>;
  };
  tools: {
    list(): Promise<T.Tool[]>;
    put(name: string, body: T.PutTool): Promise<T.Tool>;
    remove(name: string): Promise<void>;
    /** Installed where, at which version, the registry's newest (admin). */
    status(): Promise<T.ToolStatus[]>;
    /** Queues an install (or upgrade) into aiops's prefix: the job to follow (admin). */
    install(name: string, upgrade: boolean, body: T.InstallTool): Promise<T.Job>;
  };
  sessions: {
    list(q: T.SessionQuery): Promise<T.Page<T.Session>>;
    /** A session on a project without an issue (in the user's base clone). */
    start(body: T.StartSession): Promise<T.StartedSession>;
    get(id: number): Promise<T.Session>;
    kill(id: number): Promise<T.Session>;
    respawn(id: number): Promise<T.Session>;
    /** The recorded output (ANSI escapes kept), redacted; `tail` lines at most. */
    logs(id: number, tail: number): Promise<T.Transcript>;
    /** Attach to the session's terminal. */
    terminal(id: number, cols: number, rows: number, handlers: TerminalHandlers): TerminalSocket;
    /** Every changed file of the worktree against its base, each with its diff. */
    changes(id: number): Promise<T.SessionChanges>;
  };
  /** Review comments on a session's changes, sent back to its agent. */
  reviews: {
    /** Oldest first; resolved ones only with `resolved`. */
    list(sessionId: number, resolved: boolean): Promise<T.ReviewComment[]>;
    create(sessionId: number, body: T.NewReviewComment): Promise<T.ReviewComment>;
    /** A draft's text, or `resolved: true|false`. */
    update(sessionId: number, commentId: number, body: T.UpdateReviewComment): Promise<T.ReviewComment>;
    /** Drafts only. */
    remove(sessionId: number, commentId: number): Promise<void>;
    /** Every draft as one review: typed now when the agent waits, else queued; `conflict` without drafts. */
    send(sessionId: number): Promise<T.ReviewSent>;
  };
  git: {
    /** The base clone's status, or a session's worktree with `session`. */
    status(projectId: number, session?: number): Promise<T.GitStatus>;
    /** Stages `paths` (every change when empty); answers with the changes as they are now. */
    stage(projectId: number, body: T.StagePaths): Promise<T.SessionChanges>;
    unstage(projectId: number, body: T.StagePaths): Promise<T.SessionChanges>;
    /** Commits `files` (every change when empty). */
    commit(projectId: number, body: T.GitCommit): Promise<T.GitResult>;
    /** Pushes the checked-out branch to origin (tracked). */
    push(projectId: number, body: T.GitPush): Promise<T.GitResult>;
    /** The newest `limit` commits from `HEAD`. */
    log(projectId: number, session: number, limit: number): Promise<T.GitCommitInfo[]>;
    createPull(projectId: number, body: T.CreatePullRequest): Promise<T.PullRequest>;
    /** The code host's pull requests (a remote call: can be slow). */
    pulls(projectId: number, q: T.PullQuery): Promise<T.PullRequest[]>;
    /** One pull request; an open one with `mergeable`, `merge_status` and `checks` (remote). */
    pull(projectId: number, number: number, provider?: T.Provider): Promise<T.PullRequest>;
    mergePull(projectId: number, number: number, body: T.MergePullRequest): Promise<T.PullRequest>;
    closePull(projectId: number, number: number, provider?: T.Provider): Promise<T.PullRequest>;
  };
  /** Issue worktrees in users' workspaces. */
  worktrees: {
    /** The caller's; admins every user's with `allUsers`. */
    list(allUsers: boolean): Promise<T.Worktree[]>;
    remove(body: T.RemoveWorktree): Promise<void>;
  };
  tenants: {
    list(page?: T.PageQuery): Promise<T.Page<T.Tenant>>;
    create(body: T.CreateTenant): Promise<T.Tenant>;
    update(tenant: string, body: T.UpdateTenant): Promise<T.Tenant>;
    remove(tenant: string): Promise<void>;
    members(tenant: string, page?: T.PageQuery): Promise<T.Page<T.Member>>;
    /** Adds a member, or sets an existing member's role (`role` absent: unchanged). */
    addMember(tenant: string, userId: number, role?: T.TenantRole): Promise<T.Member>;
    removeMember(tenant: string, userId: number): Promise<void>;
  };
  projects: {
    list(q: { tenant?: string } & T.PageQuery): Promise<T.Page<T.Project>>;
    get(id: number): Promise<T.Project>;
    create(body: T.CreateProject): Promise<T.Project>;
    /** Does the repository answer, as the caller reaches it, and hold the default branch? */
    checkRepo(id: number): Promise<T.RepoCheck>;
    update(id: number, body: T.UpdateProject): Promise<T.Project>;
    remove(id: number): Promise<void>;
    members(id: number, page?: T.PageQuery): Promise<T.Page<T.Member>>;
    addMember(id: number, userId: number): Promise<T.Member>;
    removeMember(id: number, userId: number): Promise<void>;
    links(id: number): Promise<T.ProjectLink[]>;
    link(id: number, body: T.CreateProjectLink): Promise<T.ProjectLink>;
    unlink(id: number, linkId: number): Promise<void>;
  };
  integrations: {
    list(q: { tenant?: string } & T.PageQuery): Promise<T.Page<T.Integration>>;
    create(body: T.CreateIntegration): Promise<T.Integration>;
    update(id: number, body: T.UpdateIntegration): Promise<T.Integration>;
    remove(id: number): Promise<void>;
    test(id: number): Promise<T.ConnectionTest>;
  };
  users: {
    list(page?: T.PageQuery): Promise<T.Page<T.User>>;
    create(body: T.CreateUser): Promise<T.User>;
    update(id: number, body: T.UpdateUser): Promise<T.User>;
  };
  agents: {
    get(): Promise<T.AgentInstructions>;
    set(body: T.SetAgentInstructions): Promise<T.AgentInstructions>;
    history(page?: T.PageQuery): Promise<T.Page<T.AgentInstructions>>;
    diff(from: number, to?: number): Promise<T.AgentInstructionsDiff>;
    rollback(version: number): Promise<T.AgentInstructions>;
  };
  audit: {
    list(q: T.AuditQuery): Promise<T.Page<T.AuditEntry>>;
  };
  /** Ansible through Semaphore or locally: a tenant's targets and the runs on them. */
  automation: {
    targets(q: T.AutomationTargetQuery): Promise<T.Page<T.AutomationTarget>>;
    target(id: number): Promise<T.AutomationTarget>;
    /** Server or tenant admins; `token` and `vault_password` are write-only. */
    createTarget(body: T.CreateAutomationTarget): Promise<T.AutomationTarget>;
    /** Absent fields stay; an empty `token` or `vault_password` removes the stored one. */
    updateTarget(id: number, body: T.UpdateAutomationTarget): Promise<T.AutomationTarget>;
    removeTarget(id: number): Promise<void>;
    /** Whether the target answers (`ok: false` says why not). */
    testTarget(id: number): Promise<T.AutomationTest>;
    /** A Semaphore target's task templates (of `projectId`, else its default project). */
    templates(id: number, projectId?: number): Promise<T.AutomationTemplate[]>;
    runs(q: T.AutomationRunQuery): Promise<T.Page<T.AutomationRun>>;
    run(id: number): Promise<T.AutomationRun>;
    /** Queues a run (answered at once, `queued`). */
    start(body: T.StartAutomationRun): Promise<T.AutomationRun>;
    /** `conflict` when it has already ended. */
    stop(id: number): Promise<T.AutomationRun>;
    /**
     * Follows the run's log from byte `offset` until it ends, reconnecting and resuming
     * by itself; null where this transport cannot stream it (the desktop app).
     */
    log(id: number, offset: number, handlers: RunLogHandlers): Unsubscribe | null;
  };
  /**
   * The event stream (`session.state`, `sync.failed`, …), resumed after `after` (an
   * event id) when given. Reconnects by itself.
   */
  events(after: number | null, onEvent: (e: T.Event) => void, onState: (s: StreamState) => void): Unsubscribe;
}

export const backend: Backend = inDesktop() ? tauriBackend() : httpBackend();
