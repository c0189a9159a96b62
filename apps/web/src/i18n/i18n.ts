import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { type Language, LANGUAGES } from '@postdesk/contracts';
import en from './en.json';
import es from './es.json';
import it from './it.json';

/** The English catalogue is the reference: its keys type every `t()` call. */
export const resources = {
  en: { translation: en },
  es: { translation: es },
  it: { translation: it },
} as const;

/** Before login the browser decides; after login the user's saved language does. */
export function browserLanguage(candidates: readonly string[] = navigator.languages): Language {
  for (const tag of candidates) {
    const base = tag.toLowerCase().split('-')[0];
    const match = LANGUAGES.find((language) => language === base);
    if (match) return match;
  }
  return 'en';
}

/** Initialises i18next once, synchronously (catalogues are bundled, no loading flash). */
export function initI18n(): typeof i18next {
  void i18next.use(initReactI18next).init({
    resources,
    lng: browserLanguage(),
    fallbackLng: 'en',
    defaultNS: 'translation',
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  document.documentElement.lang = i18next.language;
  i18next.on('languageChanged', (language) => {
    document.documentElement.lang = language;
  });
  return i18next;
}

/** Switches the UI language (the caller saves it to the user). */
export async function changeLanguage(language: Language): Promise<void> {
  if (i18next.language !== language) await i18next.changeLanguage(language);
}
