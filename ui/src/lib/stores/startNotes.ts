// What `work`/`start` reported besides the session (claim refused, fetch failed, …),
// handed from the page that started the session to the session page.
export const startNotes = new Map<number, string[]>();
