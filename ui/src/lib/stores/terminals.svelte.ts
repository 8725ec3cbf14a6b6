// The terminal tabs: sessions whose terminals stay attached while the sessions pages
// are open. Closing a tab only detaches (the session keeps running). Kept per browser
// tab in sessionStorage so a reload restores them.
const KEY = 'aiops.terminal-tabs';

function restore(): number[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : [];
  } catch {
    return [];
  }
}

export const terminalTabs = $state<{ ids: number[] }>({ ids: restore() });

function save() {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(terminalTabs.ids));
  } catch {
    // Storage disabled: tabs last for this page only.
  }
}

export function openTab(id: number): void {
  if (!terminalTabs.ids.includes(id)) {
    terminalTabs.ids.push(id);
    save();
  }
}

/** Closes a tab; returns the id of a neighbour to show instead, if any. */
export function closeTab(id: number): number | undefined {
  const i = terminalTabs.ids.indexOf(id);
  if (i < 0) return undefined;
  terminalTabs.ids.splice(i, 1);
  save();
  return terminalTabs.ids[Math.min(i, terminalTabs.ids.length - 1)];
}

/** Forgets every tab (another user signed in). */
export function resetTabs(): void {
  terminalTabs.ids = [];
  save();
}
