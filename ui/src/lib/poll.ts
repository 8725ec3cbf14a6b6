// Polling a server-side job until it is done: one request at a time (the next one is
// scheduled after the answer), a deadline, and a stop function for component teardown.

export interface PollOptions {
  /** Pause between the end of one request and the next, in ms. */
  every?: number;
  /** Give up after this many ms (then `ontimeout`). */
  deadline?: number;
}

/**
 * Calls `get` every `every` ms and hands each answer to `onvalue` until `done(value)`,
 * an error (`onerror`, polling stops) or the deadline (`ontimeout`). Returns `stop`.
 */
export function poll<T>(
  get: () => Promise<T>,
  done: (value: T) => boolean,
  handlers: { onvalue(value: T): void; onerror(e: unknown): void; ontimeout(): void },
  { every = 1000, deadline = 120_000 }: PollOptions = {},
): () => void {
  const until = Date.now() + deadline;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const tick = async () => {
    try {
      const value = await get();
      if (stopped) return;
      handlers.onvalue(value);
      if (done(value)) return;
    } catch (e) {
      if (!stopped) handlers.onerror(e);
      return;
    }
    if (Date.now() >= until) handlers.ontimeout();
    else timer = setTimeout(() => void tick(), every);
  };
  timer = setTimeout(() => void tick(), every);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
