export { decideTriage, MAX_REASONS, type TriageDecision, type TriageInput } from './decide.ts';
export {
  defaultTriageSettings,
  defaultTriageSettingsInput,
  keywordSchema,
  keywordsByLanguageSchema,
  triageCategorySchema,
  triageSettingsSchema,
  type TriageCategory,
  type TriageSettings,
  type TriageSettingsInput,
} from './config.ts';
export { canonicalLanguageTag, defaultLanguageProfiles, detectLanguage, type LanguageProfile, type ScriptName } from './language.ts';
export { keywordMatcher, keywordMatchers, normaliseText, type KeywordMatcher } from './keywords.ts';
