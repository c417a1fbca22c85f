/**
 * A tenant's routing settings: its teams (how each picks an agent, which skills each contact reason
 * needs, where escalation goes next) and its agents (teams, skills, languages, how many
 * conversations of each channel they handle at once). zod, so the tenant configuration can embed it
 * (YAML in, validated at start-up); `exampleRoutingSettings` shows a whole workspace.
 *
 * The live side of agents (online or not, what they hold now) is not configuration: it is folded
 * from events in agents.ts.
 */
import { z } from 'zod';
import { channelSchema } from '../../../events/types/message.ts';
import { idSchema } from '../../../events/types/common.ts';
import type { Channel } from '../state.ts';

export const CHANNELS = channelSchema.options satisfies readonly Channel[];

/**
 * least-busy: the candidate holding the fewest conversations on the task's channel (then in all);
 * round-robin: the next candidate after the team's last round-robin pick, in agent id order;
 * longest-idle: the candidate whose last assignment (or coming online, if later) is oldest.
 */
export const routingStrategySchema = z.enum(['least-busy', 'round-robin', 'longest-idle']);
export type RoutingStrategy = z.output<typeof routingStrategySchema>;

/** As on conversation.triaged and conversation.assigned. */
export const teamNameSchema = z.string().min(1).max(64);

/** Skills and categories are written in reasons and console filters: lowercase slugs. */
const slugSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a lowercase slug such as refunds or tier2');

/** BCP 47, as triage writes it (en, de-AT, pt-BR, zh-Hant); compared case-insensitively. */
const languageTagSchema = z.string().regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'a BCP 47 language tag such as en, de-AT or zh-Hant');

export const teamSchema = z.strictObject({
  name: teamNameSchema,
  strategy: routingStrategySchema.default('least-busy'),
  /** Contact reason (as triage names it) -> skills an agent needs to take it in this team. */
  requiredSkills: z.record(slugSchema, z.array(slugSchema).max(20)).default({}),
  /** The next rung of the escalation ladder: the team an escalation moves the conversation to; null at the top. */
  escalateTo: teamNameSchema.nullable().default(null),
});

const seatsSchema = z.number().int().min(0).max(100).default(0);

/** Conversations of each channel an agent handles at once; a channel left out (0) is one the agent does not work. */
export const capacitySchema = z.strictObject({ email: seatsSchema, chat: seatsSchema, sms: seatsSchema, social: seatsSchema });

export const agentSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(200),
  /** Teams whose queues the agent takes conversations from. */
  teams: z.array(teamNameSchema).min(1),
  skills: z.array(slugSchema).max(100).default([]),
  /** Languages the agent answers in; `de` covers `de-AT`, `pt-BR` does not cover `pt-PT`. */
  languages: z.array(languageTagSchema).min(1),
  capacity: capacitySchema,
  /**
   * Supervisors see their teams' queues and may be assigned by hand or by escalation; routing treats
   * them like any member of their teams (give them capacity 0 to keep them out of automatic routing).
   */
  supervisor: z.boolean().default(false),
});

export const routingSettingsSchema = z
  .strictObject({
    teams: z.array(teamSchema).min(1),
    agents: z.array(agentSchema).default([]),
  })
  .superRefine((s, ctx) => {
    const teamNames = s.teams.map((t) => t.name);
    teamNames.forEach((name, i) => {
      if (teamNames.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: ['teams', i, 'name'], message: `team ${name} is listed twice` });
    });
    s.teams.forEach((team, i) => {
      if (team.escalateTo !== null && !teamNames.includes(team.escalateTo)) {
        ctx.addIssue({ code: 'custom', path: ['teams', i, 'escalateTo'], message: `team ${team.name} escalates to ${team.escalateTo}, which is not a team` });
      }
    });
    // A ladder that loops would escalate forever: every climb must end at a top rung.
    const next = new Map(s.teams.map((t) => [t.name, t.escalateTo]));
    s.teams.forEach((team, i) => {
      const seen = new Set<string>([team.name]);
      for (let rung = next.get(team.name); rung; rung = next.get(rung)) {
        if (seen.has(rung)) {
          ctx.addIssue({ code: 'custom', path: ['teams', i, 'escalateTo'], message: `the escalation ladder from ${team.name} loops (${[...seen, rung].join(' -> ')})` });
          break;
        }
        seen.add(rung);
      }
    });
    const ids = s.agents.map((a) => a.id);
    s.agents.forEach((agent, i) => {
      if (ids.indexOf(agent.id) !== i) ctx.addIssue({ code: 'custom', path: ['agents', i, 'id'], message: `agent ${agent.id} is listed twice` });
      agent.teams.forEach((team, j) => {
        if (!teamNames.includes(team)) ctx.addIssue({ code: 'custom', path: ['agents', i, 'teams', j], message: `agent ${agent.id} is in team ${team}, which is not a team` });
      });
    });
  });

export type TeamConfigInput = z.input<typeof teamSchema>;
export type TeamConfig = z.output<typeof teamSchema>;
export type AgentConfigInput = z.input<typeof agentSchema>;
export type AgentConfig = z.output<typeof agentSchema>;
export type Capacity = z.output<typeof capacitySchema>;
/** Settings as written in configuration (defaults omitted). */
export type RoutingSettingsInput = z.input<typeof routingSettingsSchema>;
/** Settings once validated: what the routing decision reads. */
export type RoutingSettings = z.output<typeof routingSettingsSchema>;

/** Skills a conversation of `category` needs in `team` (none for an unknown team or category). */
export function skillsFor(teams: readonly TeamConfig[], team: string, category: string | null): readonly string[] {
  if (category === null) return [];
  return teams.find((t) => t.name === team)?.requiredSkills[category] ?? [];
}

/**
 * A workspace to start from, using the teams the default triage settings route to (billing,
 * tech-support, customer-care, support), with a second tier for technical cases and supervisors
 * at the top of every ladder.
 */
export const exampleRoutingSettingsInput = {
  teams: [
    { name: 'support', strategy: 'least-busy', escalateTo: 'supervisors' },
    { name: 'billing', strategy: 'round-robin', requiredSkills: { refund: ['refunds'] }, escalateTo: 'supervisors' },
    { name: 'tech-support', strategy: 'least-busy', requiredSkills: { technical: ['product'] }, escalateTo: 'tech-tier2' },
    { name: 'tech-tier2', strategy: 'longest-idle', requiredSkills: { technical: ['product', 'debugging'] }, escalateTo: 'supervisors' },
    { name: 'customer-care', strategy: 'longest-idle', escalateTo: 'supervisors' },
    { name: 'supervisors', strategy: 'least-busy' },
  ],
  agents: [
    { id: 'ag_anna', name: 'Anna Schmidt', teams: ['support', 'billing'], skills: ['refunds'], languages: ['en', 'de'], capacity: { email: 10, chat: 3, sms: 3 } },
    { id: 'ag_boris', name: 'Boris Ivanov', teams: ['support', 'tech-support'], skills: ['product'], languages: ['en', 'ru'], capacity: { email: 8, chat: 2, social: 4 } },
    { id: 'ag_li', name: 'Li Wei', teams: ['support', 'customer-care'], languages: ['zh', 'en'], capacity: { email: 10, chat: 3, sms: 2, social: 4 } },
    { id: 'ag_maria', name: 'Maria Santos', teams: ['billing', 'customer-care'], skills: ['refunds'], languages: ['pt-BR', 'es', 'en'], capacity: { email: 12, chat: 2 } },
    { id: 'ag_omar', name: 'Omar Haddad', teams: ['tech-support', 'tech-tier2'], skills: ['product', 'debugging'], languages: ['en', 'ar', 'fr'], capacity: { email: 6, chat: 2 } },
    { id: 'ag_sofia', name: 'Sofia Rossi', teams: ['supervisors', 'customer-care'], skills: ['refunds', 'product'], languages: ['en', 'it'], capacity: { email: 5, chat: 1 }, supervisor: true },
  ],
} satisfies RoutingSettingsInput;

export const exampleRoutingSettings: RoutingSettings = routingSettingsSchema.parse(exampleRoutingSettingsInput);
