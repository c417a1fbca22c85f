/**
 * A tenant's workflow settings: one YAML file per tenant under `tenants.dir` (config), named
 * `<tenant>.yaml`, validated at start-up (a bad file stops the process naming the file and key) and
 * read again on restart. A tenant without a file gets the defaults of every section.
 */
import { z } from 'zod';
import { durationSchema } from '../domain/duration.ts';
import { routingSettingsSchema, type RoutingSettings } from '../domain/routing/config.ts';
import { policyCalendar, slaSettingsSchema, type SlaSettings } from '../domain/sla/config.ts';
import { surveySettingsSchema, type SurveySettings } from '../domain/survey/config.ts';
import { defaultTriageSettingsInput, triageSettingsSchema, type TriageSettings } from '../domain/triage/config.ts';
import type { FoldPolicy } from '../domain/fold/policy.ts';
import { kpiTargetsSchema } from '../domain/kpi/targets.ts';
import { botSettingsSchema, knowledgeBaseSchema, type BotSettings, type KnowledgeBase } from '../domain/bot/config.ts';

/** Routing needs at least one team; a tenant that configures none has one queue everyone answers. */
const defaultRouting = { teams: [{ name: 'support' }], agents: [] };

export const tenantFileSchema = z.strictObject({
  /** Shown in the console and reports. */
  name: z.string().min(1).max(200).optional(),
  /** An open conversation nobody wrote in for this long is resolved (overrides tenants.defaults). */
  autoResolveAfter: durationSchema.optional(),
  triage: triageSettingsSchema.prefault(defaultTriageSettingsInput),
  routing: routingSettingsSchema.prefault(defaultRouting),
  /** SLA targets, business calendars and the escalation ladder. */
  sla: slaSettingsSchema.prefault({}),
  survey: surveySettingsSchema.prefault({}),
  /** A digit reply to a survey invitation counts as its answer for this long after it went out. */
  surveyReplyWindow: durationSchema.prefault('7d'),
  /** Scores at or below these open a follow-up for the supervisors. */
  lowScore: z.strictObject({ csat: z.number().int().min(1).max(5).default(2), nps: z.number().int().min(0).max(10).default(6) }).prefault({}),
  /** The bot that answers new conversations from the knowledge base, and when it hands off. */
  bot: botSettingsSchema.prefault({}),
  knowledgeBase: knowledgeBaseSchema.default([]),
  /** What the weighted service score of the KPI report measures against (docs/metrics.md). */
  kpiTargets: kpiTargetsSchema.prefault({}),
  /**
   * How long message text is kept after its conversation is resolved (absent: for as long as the
   * customer is). Past it the text is unreadable everywhere, the log included; the KPIs stay.
   * Needs sealing (`privacy.activeMasterKey`).
   */
  retention: z.strictObject({ text: durationSchema.optional() }).prefault({}),
});

export type TenantFileInput = z.input<typeof tenantFileSchema>;

export interface TenantSettings {
  tenant: string;
  name: string;
  autoResolveAfterMs: number;
  triage: TriageSettings;
  routing: RoutingSettings;
  sla: SlaSettings;
  survey: SurveySettings;
  surveyReplyWindowMs: number;
  lowScore: { csat: number; nps: number };
  bot: BotSettings;
  knowledgeBase: KnowledgeBase;
  /** Message text is kept this long after its conversation is resolved; null: as long as the customer is. */
  retention: { textMs: number | null };
}

export function tenantSettings(tenant: string, file: z.output<typeof tenantFileSchema>, defaultAutoResolveAfterMs: number): TenantSettings {
  return {
    tenant,
    name: file.name ?? tenant,
    autoResolveAfterMs: file.autoResolveAfter ?? defaultAutoResolveAfterMs,
    triage: file.triage,
    routing: file.routing,
    sla: file.sla,
    survey: file.survey,
    surveyReplyWindowMs: file.surveyReplyWindow,
    lowScore: file.lowScore,
    bot: file.bot,
    knowledgeBase: file.knowledgeBase,
    retention: { textMs: file.retention.text ?? null },
  };
}

/** What the fold reads of a tenant's settings: segmentation and deadlines, shared by live and replay. */
export function foldPolicyOf(settings: TenantSettings): FoldPolicy {
  return {
    autoResolveAfterMs: settings.autoResolveAfterMs,
    sla: { policy: settings.sla.policy, calendar: policyCalendar(settings.sla) },
    surveyReplyWindowMs: settings.surveyReplyWindowMs,
  };
}
