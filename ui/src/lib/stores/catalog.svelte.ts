// Tenants and projects the caller can see, loaded once and refreshed after changes:
// filters, pickers and labels all read them from here.
import { backend, type Project, type Tenant } from '../backend';
import { allPages } from '../paging';

export const catalog = $state<{ tenants: Tenant[]; projects: Project[]; loaded: boolean; error: string }>({
  tenants: [],
  projects: [],
  loaded: false,
  error: '',
});

let pending: Promise<void> | null = null;

/** Loads once; `force` reloads (after a create, edit or delete). */
export function loadCatalog(force = false): Promise<void> {
  if (pending && !force) return pending;
  pending = (async () => {
    try {
      const [tenants, projects] = await Promise.all([
        allPages((q) => backend.tenants.list(q)),
        allPages((q) => backend.projects.list(q)),
      ]);
      catalog.tenants = tenants;
      catalog.projects = projects;
      catalog.error = '';
    } catch (e) {
      catalog.error = e instanceof Error ? e.message : String(e);
      pending = null;
    } finally {
      catalog.loaded = true;
    }
  })();
  return pending;
}

export function projectById(id: number): Project | undefined {
  return catalog.projects.find((p) => p.id === id);
}

/** Forgets everything (another user signed in). */
export function resetCatalog(): void {
  pending = null;
  catalog.tenants = [];
  catalog.projects = [];
  catalog.loaded = false;
  catalog.error = '';
}
