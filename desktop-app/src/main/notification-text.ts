/**
 * Notification text is another member's message. On Linux, notification servers render a body
 * as markup (the freedesktop spec's `<b>`, `<i>`, `<a href>`, `<img>`), and libnotify passes it on
 * as given: escape it so it shows as the text it is. macOS and Windows show plain text.
 */
const MARKUP: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function notificationBody(text: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'linux' ? text.replace(/[&<>"']/g, (c) => MARKUP[c]!) : text;
}
