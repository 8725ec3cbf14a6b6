// Svelte actions shared by menus and panels.

/** Calls `cb` on a pointer-down outside `node` or on Escape (for menus and popovers). */
export function dismiss(node: HTMLElement, cb: () => void) {
  let handler = cb;
  const onDown = (e: PointerEvent) => {
    if (!node.contains(e.target as Node)) handler();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') handler();
  };
  document.addEventListener('pointerdown', onDown, true);
  document.addEventListener('keydown', onKey);
  return {
    update(next: () => void) {
      handler = next;
    },
    destroy() {
      document.removeEventListener('pointerdown', onDown, true);
      document.removeEventListener('keydown', onKey);
    },
  };
}

/** True when a key event comes from a place where typing is expected. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  return t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) || !!t.closest('.xterm');
}

/** True while a modal dialog is open (page-level keys stay with it). */
export function dialogOpen(): boolean {
  return !!document.querySelector('dialog[open]');
}

/**
 * Arrow keys between the items of a tablist or a menu, as WAI-ARIA's Authoring Practices
 * describe them (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/ and …/patterns/menu/):
 * the next/previous arrow of `orientation` moves focus to the next/previous item
 * (wrapping), Home and End to the first and last. `item` selects the items inside `node`.
 * With `focusFirst`, the first item takes focus when the node appears (an opened menu).
 */
export function arrowKeys(
  node: HTMLElement,
  opts: { item: string; orientation: 'horizontal' | 'vertical'; focusFirst?: boolean },
) {
  const onKey = (e: KeyboardEvent) => {
    const items = [...node.querySelectorAll<HTMLElement>(opts.item)];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (at < 0 || !items.length) return;
    const [prev, next] = opts.orientation === 'horizontal' ? ['ArrowLeft', 'ArrowRight'] : ['ArrowUp', 'ArrowDown'];
    const to =
      e.key === next ? (at + 1) % items.length
      : e.key === prev ? (at - 1 + items.length) % items.length
      : e.key === 'Home' ? 0
      : e.key === 'End' ? items.length - 1
      : -1;
    if (to < 0) return;
    e.preventDefault();
    items[to]?.focus();
  };
  node.addEventListener('keydown', onKey);
  if (opts.focusFirst) node.querySelector<HTMLElement>(opts.item)?.focus();
  return { destroy: () => node.removeEventListener('keydown', onKey) };
}
