import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Language } from '../i18n/languages';
import { useConsole } from '../store';
import type { Resource, ResourceKey, ResourceTypes } from '../store/resources';

export function useLang(): Language {
  const { i18n } = useTranslation();
  return i18n.language === 'zh' ? 'zh' : 'en';
}

/** A clock for charts and ages, ticking every `ms`. */
export function useNow(ms = 2000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

export function useRes<K extends ResourceKey>(key: K): Resource<ResourceTypes[K]> {
  return useConsole((s) => s.res[key]) as Resource<ResourceTypes[K]>;
}
