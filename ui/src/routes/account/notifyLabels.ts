// What each notification toggle means, shared by the desktop's and the browser's settings.
import type { NotificationPrefs } from '../../lib/backend';

export const NOTIFY_LABELS: Record<keyof NotificationPrefs, string> = {
  waiting: 'A session waits for you',
  exited: 'A session exits',
  failed: 'A session fails',
  sync_failed: 'A tracker sync fails',
  do_not_disturb: 'Do not disturb (raise none; the bell in the app still fills)',
};
