// The people the caller can see, by email and id, so pages show names instead of emails:
// admins read the user list, everyone else the members of their tenants. The API names
// people by email in sessions (`user`), comments (`author`) and native issues
// (`assignee`, `author`); this is what turns those into names.
import { backend, type User } from '../backend';
import { allPages } from '../paging';
import { auth, isAdmin } from './auth.svelte';
import { catalog, loadCatalog } from './catalog.svelte';

export interface Person {
  id: number;
  email: string;
  name: string;
}

export const people = $state<{ list: Person[]; loaded: boolean }>({ list: [], loaded: false });

let pending: Promise<void> | null = null;

/** Loads once per sign-in; `force` reloads (after a member or user was added). */
export function loadPeople(force = false): Promise<void> {
  if (pending && !force) return pending;
  pending = (async () => {
    try {
      let found: Person[];
      if (isAdmin()) {
        found = (await allPages((q) => backend.users.list(q))).map((u: User) => ({ id: u.id, email: u.email, name: u.name }));
      } else {
        await loadCatalog();
        const lists = await Promise.all(
          catalog.tenants.map((t) => allPages((q) => backend.tenants.members(t.slug, q)).catch(() => [])),
        );
        found = lists.flat().map((m) => ({ id: m.user_id, email: m.email, name: m.name }));
      }
      const me = auth.user;
      if (me) found.push({ id: me.id, email: me.email, name: me.name });
      const byId = new Map(found.map((p) => [p.id, p]));
      people.list = [...byId.values()].sort((a, b) => label(a).localeCompare(label(b)));
    } catch {
      pending = null;
    } finally {
      people.loaded = true;
    }
  })();
  return pending;
}

function label(p: Person): string {
  return p.name.trim() || p.email;
}

/** The name of the person with this email (or a tracker login, shown as it is). */
export function nameOf(who: string | null | undefined): string {
  if (!who) return '';
  const p = people.list.find((x) => x.email.toLowerCase() === who.toLowerCase());
  return p ? label(p) : who;
}

/** The name of user `id`, else `fallback`. */
export function nameOfId(id: number | null | undefined, fallback: string): string {
  const p = id == null ? undefined : people.list.find((x) => x.id === id);
  return p ? label(p) : fallback;
}

/** Forgets everyone (another user signed in). */
export function resetPeople(): void {
  pending = null;
  people.list = [];
  people.loaded = false;
}
