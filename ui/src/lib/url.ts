// Links built from what the server relays from trackers and code hosts.

/**
 * `url` when it is an absolute http(s) URL, else undefined: an issue or pull request URL
 * comes from a tracker, and a `javascript:` or `data:` one must never become an href.
 */
export function externalUrl(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
