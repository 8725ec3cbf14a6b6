// Who is signed in. Filled once at start (`GET /auth/me`), after login/setup, and
// cleared when the server says the session ended.
import { backend, type User } from '../backend';

/** `notice`: one sentence for the login page (e.g. after a password change signed us out). */
export const auth = $state<{ user: User | null; ready: boolean; notice: string }>({
  user: null,
  ready: false,
  notice: '',
});

export async function loadMe(): Promise<void> {
  try {
    const me = await backend.auth.me();
    auth.user = me?.user ?? null;
  } finally {
    auth.ready = true;
  }
}

export function signedIn(user: User): void {
  auth.user = user;
  auth.notice = '';
}

/** The server ended our session on purpose; the login page shows `notice`. */
export function signedOutWith(notice: string): void {
  auth.user = null;
  auth.notice = notice;
}

export async function signOut(): Promise<void> {
  try {
    await backend.auth.logout();
  } finally {
    auth.user = null;
  }
}

backend.auth.onSignedOut(() => {
  auth.user = null;
});

export function isAdmin(): boolean {
  return auth.user?.role === 'admin';
}
