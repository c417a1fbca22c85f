/**
 * The escalation ladder: what a breached SLA does to a conversation. Each breach climbs one rung
 * (tier1 → tier2 → supervisor by default): the conversation moves to the rung's team, its priority
 * goes up one step (never past urgent, never below the rung's floor), and supervisors are told when
 * the rung says so. The workflow publishes the decision as conversation.escalated.
 *
 * At the top there is nowhere to climb: the conversation stays with the top rung's team, its
 * priority still goes up (a breach there is the most serious kind), and supervisors are always told.
 */
import { z } from 'zod';
import { prioritySchema } from '../../../events/types/common.ts';
import type { Conversation, Priority } from '../state.ts';
import type { SlaMetric } from './policy.ts';

const tierNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a lowercase slug such as tier2 or supervisor');

export const escalationRungSchema = z.strictObject({
  /** The rung's name, as conversation.escalated carries it. */
  tier: tierNameSchema,
  /** Team that owns conversations on this rung; null only on the first rung: the team triage chose. */
  team: z.string().min(1).max(64).nullable(),
  /** The lowest priority a conversation on this rung may have (default: no floor). */
  minPriority: prioritySchema.default('low'),
  /** Tell the supervisors when a conversation reaches this rung. */
  notifySupervisor: z.boolean().default(false),
});

/**
 * The rungs, lowest first. The projection records a conversation's team, not its rung, so the rung
 * is found by team: teams must be distinct, and only the first rung may leave the team as it is.
 */
export const escalationLadderSchema = z
  .array(escalationRungSchema)
  .min(1)
  .max(16)
  .superRefine((rungs, ctx) => {
    const tiers = new Set<string>();
    const teams = new Set<string>();
    rungs.forEach((rung, i) => {
      if (tiers.has(rung.tier)) ctx.addIssue({ code: 'custom', path: [i, 'tier'], message: `tier ${rung.tier} is listed twice` });
      tiers.add(rung.tier);
      if (rung.team === null && i > 0) {
        ctx.addIssue({ code: 'custom', path: [i, 'team'], message: 'only the first rung may keep the current team (team: null); a later rung needs its own team' });
      }
      if (rung.team !== null) {
        if (teams.has(rung.team)) ctx.addIssue({ code: 'custom', path: [i, 'team'], message: `team ${rung.team} owns two rungs` });
        teams.add(rung.team);
      }
    });
  });

export type EscalationRung = z.output<typeof escalationRungSchema>;
export type EscalationLadder = z.output<typeof escalationLadderSchema>;
export type EscalationLadderInput = z.input<typeof escalationLadderSchema>;

export const defaultEscalationLadder: EscalationLadder = escalationLadderSchema.parse([
  { tier: 'tier1', team: null },
  { tier: 'tier2', team: 'tier2' },
  { tier: 'supervisor', team: 'supervisors', minPriority: 'high', notifySupervisor: true },
]);

/** The data of conversation.escalated, plus whether to page the supervisors. */
export interface EscalationDecision {
  /** climb: moved one rung up; top: already on the top rung, stays there. */
  kind: 'climb' | 'top';
  /** The rung the conversation is on after the decision. */
  tier: string;
  priority: Priority;
  /** The team that owns it now (null: the first rung's "as triaged" and no team known). */
  team: string | null;
  notifySupervisor: boolean;
  reason: string;
}

const PRIORITY_ORDER: readonly Priority[] = prioritySchema.options;
const rank = (p: Priority) => PRIORITY_ORDER.indexOf(p);

/** One step up, urgent stays urgent. */
export function raisePriority(priority: Priority): Priority {
  return PRIORITY_ORDER[Math.min(rank(priority) + 1, PRIORITY_ORDER.length - 1)]!;
}

/** The rung a conversation is on: the one whose team owns it; any other team is on the first rung. */
export function currentRung(conversation: Pick<Conversation, 'team'>, ladder: EscalationLadder): number {
  const found = ladder.findIndex((rung) => rung.team !== null && rung.team === conversation.team);
  return found === -1 ? 0 : found;
}

const METRIC_NAMES: Record<SlaMetric, string> = {
  firstResponse: 'first response',
  nextResponse: 'next response',
  resolution: 'resolution',
};

export function decideEscalation(conversation: Pick<Conversation, 'team' | 'priority'>, breachedMetric: SlaMetric, ladder: EscalationLadder): EscalationDecision {
  const from = currentRung(conversation, ladder);
  const fromRung = ladder[from]!;
  const atTop = from === ladder.length - 1;
  const to = atTop ? fromRung : ladder[from + 1]!;
  const raised = raisePriority(conversation.priority);
  const priority = rank(to.minPriority) > rank(raised) ? to.minPriority : raised;
  const breach = `${METRIC_NAMES[breachedMetric]} SLA breached`;
  return {
    kind: atTop ? 'top' : 'climb',
    tier: to.tier,
    priority,
    team: to.team ?? conversation.team,
    // At the top nobody else is left to hand it to: a person has to look.
    notifySupervisor: atTop || to.notifySupervisor,
    reason: atTop ? `${breach} on ${to.tier}, the top of the escalation ladder` : `${breach} on ${fromRung.tier}: escalated to ${to.tier}`,
  };
}
