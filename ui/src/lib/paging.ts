// Reading every page of a short keyset-paginated list (tenants, projects, users…).
import type { Page, PageQuery } from './backend';

/** Follows `next_cursor` until the end or `max` items. */
export async function allPages<T>(getPage: (q: PageQuery) => Promise<Page<T>>, max = 5000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await getPage({ limit: 500, cursor });
    out.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && out.length < max);
  return out;
}
