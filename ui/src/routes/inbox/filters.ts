// The inbox filters and their place in the URL query.
import type { IssueQuery, Provider } from '../../lib/backend';

export interface InboxFilters {
  tenant: string;
  project: string;
  provider: string;
  /** `open` (default), `closed` or `all`. */
  status: string;
  assignee: string;
  label: string;
  q: string;
}

export const EMPTY_FILTERS: InboxFilters = {
  tenant: '',
  project: '',
  provider: '',
  status: 'open',
  assignee: '',
  label: '',
  q: '',
};

const PROVIDERS: readonly string[] = ['native', 'github', 'gitlab', 'jira'];

export function fromQuery(q: URLSearchParams): InboxFilters {
  const status = q.get('status') ?? 'open';
  const provider = q.get('provider') ?? '';
  return {
    tenant: q.get('tenant') ?? '',
    project: /^\d+$/.test(q.get('project') ?? '') ? (q.get('project') ?? '') : '',
    provider: PROVIDERS.includes(provider) ? provider : '',
    status: ['open', 'closed', 'all'].includes(status) ? status : 'open',
    assignee: q.get('assignee') ?? '',
    label: q.get('label') ?? '',
    q: q.get('q') ?? '',
  };
}

/** For the URL: defaults left out. */
export function toQuery(f: InboxFilters): Record<string, string> {
  return { ...f, status: f.status === 'open' ? '' : f.status };
}

/** Any filter set besides the default (open issues)? */
export function isFiltered(f: InboxFilters): boolean {
  return !!(f.tenant || f.project || f.provider || f.assignee || f.label || f.q) || f.status !== 'open';
}

/** The assignee filter's value for whoever looks at the page (kept as such in links). */
export const ME = 'me';

/** For `GET /api/v1/issues`; `me` is the caller's email (a native issue's assignee). */
export function toApi(f: InboxFilters, cursor: string | undefined, limit: number, myEmail?: string): IssueQuery {
  const assignee = f.assignee === ME ? myEmail : f.assignee;
  return {
    tenant: f.tenant || undefined,
    project: f.project ? Number(f.project) : undefined,
    provider: (f.provider || undefined) as Provider | undefined,
    status: f.status,
    assignee: assignee || undefined,
    label: f.label || undefined,
    q: f.q || undefined,
    limit,
    cursor,
  };
}

export function sameFilters(a: InboxFilters, b: InboxFilters): boolean {
  return (Object.keys(a) as (keyof InboxFilters)[]).every((k) => a[k] === b[k]);
}
