// What the UI needs to know about a session's state, in one place.
import type { SessionState } from './backend';

/** The tool is (about to be) running: the terminal attaches, Kill applies. */
export function isLive(state: SessionState | undefined): boolean {
  return state === 'starting' || state === 'running' || state === 'waiting';
}
