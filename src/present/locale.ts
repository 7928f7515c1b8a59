export type Locale = 'es' | 'en';

/** Maps a platform locale tag (`es-ES`, `en-US`, `es-419`) to one we speak, else the fallback. */
export function localeFrom(tag: string | null | undefined, fallback: Locale): Locale {
  if (!tag) return fallback;
  const lang = tag.toLowerCase().split(/[-_]/)[0];
  if (lang === 'es') return 'es';
  if (lang === 'en') return 'en';
  return fallback;
}
