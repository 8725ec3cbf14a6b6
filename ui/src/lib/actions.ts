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
