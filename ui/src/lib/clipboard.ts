// Copying text for the user (a new API key, an SSH public key).

/**
 * Puts `text` on the clipboard; false when the browser refused. The Clipboard API only
 * exists in secure contexts (https or localhost), so a server reached over plain http
 * falls back to the selection-based `execCommand('copy')`.
 */
export async function copyText(text: string): Promise<boolean> {
  if (navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Permission refused or the page lost focus: try the fallback.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  const before = document.activeElement as HTMLElement | null;
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  before?.focus();
  return ok;
}
