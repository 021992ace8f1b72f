export const languages = { en: 'English', zh: '简体中文' } as const;
export type Language = keyof typeof languages;
