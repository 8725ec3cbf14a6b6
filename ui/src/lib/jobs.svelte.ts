// Following a background job (a backup, a restore, an update, a tool install): its output
// as it is written and its state, through the long poll of `GET /system/jobs/{id}` (ask
// again from `next_offset` until the job has ended). One request at a time; a failed
// request is retried after a pause (a restarting server drops connections), a refused
// one (404, 403) ends the follow. Components stop it when they are destroyed.
import { ApiError, backend, errorMessage, type Job, type JobState, type Status } from './backend';

/** Seconds the server may hold one request: under the desktop client's 30 s timeout. */
const WAIT_SECS = 20;
/** Pause before asking again after a failed request, in ms. */
const RETRY_MS = 2000;
/** Output kept in the page, in characters (the server keeps a job's last 1 MiB). */
const KEEP_CHARS = 512 * 1024;

/** True once a job can no longer change. */
export function jobEnded(state: JobState | null | undefined): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

export interface FollowOptions {
  /** Called once when the job has ended (succeeded, failed or cancelled). */
  onend?(job: Job): void;
}

/** One followed job; every field is reactive. Call `stop()` when it is no longer shown. */
export class JobFollower {
  readonly id: number;
  /** The job as last answered (null before the first answer). */
  job = $state<Job | null>(null);
  /** Its output so far (text; lines end in `\n`). */
  output = $state('');
  /** Older output was dropped (by the server, or here to bound the page's memory). */
  truncated = $state(false);
  /** The last request's failure; cleared by the next answer. */
  error = $state('');
  /** Following has ended: the job ended, the follow was refused, or `stop()`. */
  finished = $state(false);

  #offset = 0;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #opts: FollowOptions;

  constructor(id: number, opts: FollowOptions = {}) {
    this.id = id;
    this.#opts = opts;
    void this.#next(0);
  }

  get state(): JobState | null {
    return this.job?.state ?? null;
  }

  /** What it is doing now (the last line of its output). */
  get progress(): string {
    return this.job?.progress ?? '';
  }

  /** The job has ended (not merely stopped being followed). */
  get ended(): boolean {
    return jobEnded(this.state);
  }

  /** Stops following (the job itself goes on). */
  stop(): void {
    this.#stopped = true;
    this.finished = true;
    clearTimeout(this.#timer);
  }

  /** Asks the server to cancel the job; the follow sees it end. */
  async cancel(): Promise<void> {
    try {
      this.job = await backend.jobs.cancel(this.id);
      this.error = '';
    } catch (e) {
      // `conflict`: it ended meanwhile; the next answer says how.
      if (!(e instanceof ApiError && e.code === 'conflict')) this.error = errorMessage(e);
    }
  }

  async #next(wait: number): Promise<void> {
    if (this.#stopped) return;
    try {
      const log = await backend.jobs.log(this.id, this.#offset, wait);
      if (this.#stopped) return;
      this.error = '';
      this.job = log.job;
      if (log.truncated) this.truncated = true;
      this.#append(log.output);
      this.#offset = log.next_offset;
      if (jobEnded(log.job.state)) {
        this.finished = true;
        this.#stopped = true;
        this.#opts.onend?.(log.job);
        return;
      }
      void this.#next(WAIT_SECS);
    } catch (e) {
      if (this.#stopped) return;
      this.error = errorMessage(e);
      if (e instanceof ApiError && (e.status === 403 || e.status === 404 || e.code === 'invalid_input')) {
        this.stop();
        return;
      }
      this.#timer = setTimeout(() => void this.#next(WAIT_SECS), RETRY_MS);
    }
  }

  #append(text: string): void {
    if (!text) return;
    let out = this.output + text;
    if (out.length > KEEP_CHARS) {
      out = out.slice(out.length - KEEP_CHARS);
      const nl = out.indexOf('\n');
      if (nl >= 0) out = out.slice(nl + 1);
      this.truncated = true;
    }
    this.output = out;
  }
}

/** Starts following job `id`. */
export function followJob(id: number, opts: FollowOptions = {}): JobFollower {
  return new JobFollower(id, opts);
}

/**
 * Waits until the server answers again after a restart: `GET /system/status` with a
 * `started_at` other than `before`. Resolves to that status; rejects after `deadlineMs`,
 * or when `signal` aborts (the page went away).
 */
export async function waitForRestart(
  before: string,
  { deadlineMs = 120_000, everyMs = 1000, signal }: { deadlineMs?: number; everyMs?: number; signal?: AbortSignal } = {},
): Promise<Status> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    await new Promise((r) => setTimeout(r, everyMs));
    if (signal?.aborted) throw new Error('stopped waiting');
    try {
      const s = await backend.system.status();
      if (s.started_at !== before) return s;
    } catch {
      // Down while it restarts: ask again.
    }
    if (Date.now() >= until) throw new Error('The server has not come back after two minutes. Check its logs.');
  }
}
