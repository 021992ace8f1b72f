/** The left rail's sections; each is a full page, addressed as #/<page> so reloads keep it. */
export const pages = ['dashboard', 'jobs', 'transcripts', 'alerts', 'maintenance', 'emergency', 'models', 'settings'] as const;
export type Page = (typeof pages)[number];

export interface Location {
  page: Page;
  /** A job id for the transcript page (#/transcripts/<id>). */
  id: string | null;
}

export function parseHash(hash: string): Location {
  const m = /^#\/([a-z]+)(?:\/([A-Za-z0-9_-]{1,64}))?/.exec(hash);
  const page = (pages as readonly string[]).includes(m?.[1] ?? '') ? (m![1] as Page) : 'dashboard';
  return { page, id: m?.[2] ?? null };
}

export function hashFor(page: Page, id?: string | null): string {
  return `#/${page}${id ? `/${id}` : ''}`;
}
