// App-wide UI state that more than one place opens or reads: the page's name in the
// browser tab, the command palette, the shortcuts help and the New issue dialog (the
// inbox button, `c` and the palette all open the same one).

export const ui = $state<{ title: string; palette: boolean; help: boolean; newIssue: boolean }>({
  title: '',
  palette: false,
  help: false,
  newIssue: false,
});

/**
 * Names the page in the browser tab while the calling component is mounted: `name()` is
 * tracked, so the title follows what the page shows (an issue's title once loaded).
 * Call it during component initialisation.
 */
export function pageTitle(name: () => string | undefined): void {
  $effect(() => {
    ui.title = name() ?? '';
    return () => {
      ui.title = '';
    };
  });
}

/** `document.title` for `page` with `unread` notifications: "(2) Inbox · aiops". */
export function documentTitle(page: string, unread: number): string {
  return `${unread ? `(${unread}) ` : ''}${page ? `${page} · ` : ''}aiops`;
}
