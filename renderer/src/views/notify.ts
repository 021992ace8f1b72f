import type { AlertNotification } from '../../../main/contract';
import type { Language } from '../i18n/languages';
import { pickText } from './format';

/** The desktop notification for an alert, in the operator's language (tag de-duplicates repeats). */
export function notificationFor(n: AlertNotification, lang: Language): { title: string; options: { body: string; tag: string } } {
  return { title: pickText(n.title, lang), options: { body: pickText(n.body, lang), tag: n.tag } };
}
