export { defaultSurveySettings, surveySettingsSchema, type SurveySettings, type SurveySettingsInput } from './config.ts';
export { decideSurvey, surveyIdFor, type SurveyDecision, type SurveyInvitation, type SurveyKind, type SurveySkipReason } from './policy.ts';
export { parseSurveyReply, type SurveyReply } from './reply.ts';
