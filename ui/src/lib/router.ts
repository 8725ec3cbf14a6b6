// A small history-API router. The server answers every page path with index.html, so
// the browser owns the URL; filters live in the query string so links can be shared.
import { readable } from 'svelte/store';

export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

let notify: ((l: Location) => void) | undefined;

/** The current location; `$route` in components. */
export const route = readable<Location>(current(), (set) => {
  notify = set;
  const onPop = () => set(current());
  window.addEventListener('popstate', onPop);
  return () => {
    window.removeEventListener('popstate', onPop);
    notify = undefined;
  };
});

/** Goes to `to` (a path with an optional query), pushing a history entry unless `replace`. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const hash = to.includes('#') ? to.slice(to.indexOf('#') + 1) : '';
  if (to === location.pathname + location.search + location.hash) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify?.(current());
  if (hash) requestAnimationFrame(() => document.getElementById(hash)?.scrollIntoView());
  else if (!opts.replace) window.scrollTo(0, 0);
}

/** Replaces the query (empty values dropped) on the current path without a new entry. */
export function setQuery(params: Record<string, string | null | undefined>): void {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  navigate(location.pathname + (s ? `?${s}` : ''), { replace: true });
}

/** `match('/issues/:id', '/issues/7')` → `{ id: '7' }`; null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const want = p[i] ?? '';
    const got = s[i] ?? '';
    if (want.startsWith(':')) params[want.slice(1)] = decodeURIComponent(got);
    else if (want !== got) return null;
  }
  return params;
}

/**
 * Same-origin `<a href="/…">` clicks become history navigations (one listener for the
 * whole app). Modified clicks, `target`, `download` and `/api/` links stay with the browser.
 * With `openExternal` (the desktop), http(s) links to other sites go to it instead.
 */
export function interceptLinks(openExternal?: (url: string) => void): () => void {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest('a');
    if (!a || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) {
      // The desktop's window must never load another site: it goes to the OS browser.
      if (openExternal && (url.protocol === 'https:' || url.protocol === 'http:')) {
        e.preventDefault();
        openExternal(url.href);
      }
      return;
    }
    if (a.target || url.pathname.startsWith('/api/')) return;
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  };
  document.addEventListener('click', onClick);
  return () => document.removeEventListener('click', onClick);
}
