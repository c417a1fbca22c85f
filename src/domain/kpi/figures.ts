/**
 * The running figures of one group (or the total): everything is a count, an integer sum or an
 * exact value -> count map, so adding conversations in any order gives the same report. That is
 * what lets a replay (conversations in the order they settle) and the live projections (in Redis
 * scan order) produce identical reports.
 */
import type { SlaOutcome } from '../state.ts';
import { conversationState, type ConversationState } from '../fold/fold-state.ts';
import type { Conversation } from '../state.ts';

/**
 * What the report needs of a customer's record: merges and repeat contacts, no times, so the
 * projection's record and the fold's state both serve as they are.
 */
export interface KpiCustomer {
  tenant: string;
  id: string;
  mergedInto: string | null;
  contactHistory?: { repeatedAfterMs: Record<string, number> };
}
import { Distribution, type DurationSummary } from './distribution.ts';
import { backlogDayOf, channelOf, dayIndex, dayLabel, groupId, groupKeyOf, isoWeek, type GroupDimension, type GroupKey } from './groups.ts';
import { rate, round4, serviceScore, type KpiTargets, type ServiceScore } from './targets.ts';

export interface SlaCompliance {
  met: number;
  breached: number;
  /** met / (met + breached); null when no clock of this metric stopped. */
  compliance: number | null;
}

export interface KpiFigures {
  conversations: number;
  customerInitiated: number;
  agentInitiated: number;
  /** Distinct people who had a conversation; customers merged into one count once. */
  customers: number;
  resolved: number;
  open: number;
  firstResponseSeconds: DurationSummary;
  nextResponseSeconds: DurationSummary;
  handlingSeconds: DurationSummary;
  resolutionSeconds: DurationSummary;
  firstResolutionSeconds: DurationSummary;
  reopenRate: { reopened: number; resolved: number; rate: number | null };
  firstContactResolution: { resolvedAtFirstContact: number; resolved: number; rate: number | null };
  csat: { sent: number; answered: number; satisfied: number; score: number | null; responseRate: number | null };
  nps: { sent: number; answered: number; promoters: number; passives: number; detractors: number; score: number | null; responseRate: number | null };
  sla: { firstResponse: SlaCompliance; nextResponse: SlaCompliance; resolution: SlaCompliance };
  contactReasons: Array<{ category: string | null; conversations: number; share: number }>;
  channels: Array<{ channel: string | null; conversations: number; share: number }>;
  /** Conversations open (not resolved) at the end of each UTC day. */
  backlog: Array<{ day: string; open: number }>;
  /** Per ISO week of opening: volume per channel; per week of answer: CSAT and NPS. */
  weekly: Array<{ week: string; conversations: Record<string, number>; csat: number | null; nps: number | null }>;
  /** First response times in buckets, for charts: count with a time up to `upToSeconds` (null: above the last). */
  firstResponseHistogram: Array<{ upToSeconds: number | null; count: number }>;
  serviceScore: ServiceScore;
}

/** Upper bounds of the first-response histogram, in seconds: 1, 5, 15, 30 min, 1, 4, 8, 24 h. */
const HISTOGRAM_BOUNDS = [60, 300, 900, 1800, 3600, 14_400, 28_800, 86_400];

interface WeekTally {
  channels: Map<string, number>;
  csatAnswered: number;
  csatSatisfied: number;
  npsAnswered: number;
  npsNet: number;
}

/**
 * What one conversation contributes to a group's figures, computed once however many groups it
 * counts in (the total and its own group): the times are parsed and the weeks and days found once.
 */
export interface ConversationFacts {
  /** `tenant/customer`: distinct people are counted after merges are followed. */
  customerKey: string;
  tenant: string;
  customerInitiated: boolean;
  category: string | null;
  channel: string | null;
  openedWeek: string;
  firstResponseMs: number | null;
  nextResponseMs: readonly number[];
  /** Null while open. */
  resolutionMs: number | null;
  /** Null when no agent held or answered it. */
  handlingMs: number | null;
  /** Resolved and customer-initiated: whether at the first contact; null otherwise. */
  firstContact: boolean | null;
  firstResolutionMs: number | null;
  reopened: boolean;
  surveys: Array<{ kind: 'csat' | 'nps'; score: number | null; answeredWeek: string | null }>;
  slaFirstResponse: SlaOutcome | null;
  slaResolution: SlaOutcome | null;
  nextResponseMet: number;
  nextResponseBreached: number;
  /** Backlog changes as day, delta, day, delta, …: an open spell counts at each midnight it spans. */
  backlog: number[];
  lastDay: number;
}

export function conversationFacts(c: ConversationState, customer: KpiCustomer | null, fcrWindowMs: number): ConversationFacts {
  const m = c.metrics;
  const start = c.firstCustomerMessageAt ?? c.openedAt;
  const resolved = c.status === 'resolved';
  let firstContact: boolean | null = null;
  if (resolved && c.initiatedBy === 'customer') {
    const repeatGap = customer?.contactHistory?.repeatedAfterMs[c.id];
    firstContact = c.reopenCount === 0 && (repeatGap === undefined || repeatGap > fcrWindowMs);
  }
  // Open spells: [opened, resolved, reopened, resolved, ...].
  const backlog: number[] = [];
  for (let i = 0; i < m.spells.length; i += 2) {
    backlog.push(backlogDayOf(m.spells[i]!), 1);
    const end = m.spells[i + 1];
    if (end !== undefined) backlog.push(backlogDayOf(end), -1);
  }
  return {
    customerKey: `${c.tenant}/${c.customer}`,
    tenant: c.tenant,
    customerInitiated: c.initiatedBy === 'customer',
    category: c.category,
    channel: channelOf(c),
    openedWeek: isoWeek(c.openedAt),
    firstResponseMs: c.initiatedBy === 'customer' && c.firstResponseAt !== null && c.firstCustomerMessageAt !== null ? c.firstResponseAt - start : null,
    nextResponseMs: m.nextResponseMs,
    resolutionMs: resolved ? c.resolvedAt! - start : null,
    handlingMs: resolved && (c.assignee !== null || c.lastAgentMessageAt !== null) ? m.handlingMs : null,
    firstContact,
    firstResolutionMs: m.firstResolvedAt !== null ? m.firstResolvedAt - start : null,
    reopened: c.reopenCount > 0,
    surveys: c.surveys.map((s) => ({ kind: s.kind, score: s.score, answeredWeek: s.answeredAt !== null && s.score !== null ? isoWeek(s.answeredAt) : null })),
    slaFirstResponse: m.sla.firstResponse,
    slaResolution: m.sla.resolution,
    nextResponseMet: m.sla.nextResponseMet,
    nextResponseBreached: m.sla.nextResponseBreached,
    backlog,
    lastDay: Math.max(dayIndex(c.lastActivityAt), dayIndex(c.resolvedAt ?? c.lastActivityAt)),
  };
}

/** A conversation's own value for a figure: a duration in ms, its waits, its survey scores, a yes/no. */
export type FigureValue = number | boolean | null | ReadonlyArray<number | null>;

interface FigureRule {
  /**
   * How many of the figure's number this conversation makes, read from the facts `GroupFigures.add`
   * counts from: 0 (not behind it), 1, or for a figure counted per wait or per survey, its waits or surveys.
   */
  counted(f: ConversationFacts): number;
  /** The conversation's value for the figure, and the name it is answered under. */
  value?: { name: string; of(f: ConversationFacts): FigureValue };
  /** The listing's order: `slowest` by the value, largest first (none yet counts as the largest); `most` by `counted`; else newest first. */
  order?: 'slowest' | 'most';
}

const is = (yes: boolean) => (yes ? 1 : 0);
const FIRST_RESPONSE = { name: 'firstResponseMs', of: (f: ConversationFacts) => f.firstResponseMs };
const NEXT_RESPONSES = { name: 'nextResponseMs', of: (f: ConversationFacts) => f.nextResponseMs };
const RESOLUTION = { name: 'resolutionMs', of: (f: ConversationFacts) => f.resolutionMs };
const answered = (f: ConversationFacts, kind: 'csat' | 'nps', score: (s: number) => boolean = () => true) =>
  f.surveys.filter((s) => s.kind === kind && s.answeredWeek !== null && s.score !== null && score(s.score)).length;
const scores = (kind: 'csat' | 'nps') => ({ name: `${kind}Scores`, of: (f: ConversationFacts) => f.surveys.filter((s) => s.kind === kind).map((s) => s.score) });

/**
 * The numbers of the report that count conversations (or their waits and surveys), each named by
 * its path in the report's JSON (`sla.firstResponse.breached`; a duration figure by its own name,
 * for its `count`): what a number on the board links to (`GET /v1/kpis/conversations`). Each rule
 * mirrors a line of `GroupFigures.add` on the same facts, so the conversations behind a number are
 * the ones it counted and their `counted` adds up to it (tests/unit/kpi/behind-figures.unit.spec.ts).
 * Not here: `customers` (people, not conversations) and the shares and series (`contactReasons`,
 * `channels`: the figure `conversations` of a group by category or channel; `backlog`, `weekly`).
 */
const FIGURE_RULES = {
  conversations: { counted: () => 1 },
  customerInitiated: { counted: (f) => is(f.customerInitiated) },
  agentInitiated: { counted: (f) => is(!f.customerInitiated) },
  resolved: { counted: (f) => is(f.resolutionMs !== null), value: RESOLUTION },
  open: { counted: (f) => is(f.resolutionMs === null) },
  firstResponseSeconds: { counted: (f) => is(f.firstResponseMs !== null), value: FIRST_RESPONSE, order: 'slowest' },
  nextResponseSeconds: { counted: (f) => f.nextResponseMs.length, value: NEXT_RESPONSES, order: 'slowest' },
  handlingSeconds: { counted: (f) => is(f.resolutionMs !== null && f.handlingMs !== null), value: { name: 'handlingMs', of: (f) => f.handlingMs }, order: 'slowest' },
  resolutionSeconds: { counted: (f) => is(f.resolutionMs !== null), value: RESOLUTION, order: 'slowest' },
  firstResolutionSeconds: { counted: (f) => is(f.firstResolutionMs !== null), value: { name: 'firstResolutionMs', of: (f) => f.firstResolutionMs }, order: 'slowest' },
  'reopenRate.reopened': { counted: (f) => is(f.firstResolutionMs !== null && f.reopened) },
  'reopenRate.resolved': { counted: (f) => is(f.firstResolutionMs !== null), value: { name: 'reopened', of: (f) => f.reopened } },
  'firstContactResolution.resolvedAtFirstContact': { counted: (f) => is(f.resolutionMs !== null && f.firstContact === true) },
  'firstContactResolution.resolved': { counted: (f) => is(f.resolutionMs !== null && f.firstContact !== null), value: { name: 'firstContact', of: (f) => f.firstContact } },
  'csat.sent': { counted: (f) => f.surveys.filter((s) => s.kind === 'csat').length, value: scores('csat'), order: 'most' },
  'csat.answered': { counted: (f) => answered(f, 'csat'), value: scores('csat'), order: 'most' },
  'csat.satisfied': { counted: (f) => answered(f, 'csat', (s) => s >= 4), value: scores('csat'), order: 'most' },
  'nps.sent': { counted: (f) => f.surveys.filter((s) => s.kind === 'nps').length, value: scores('nps'), order: 'most' },
  'nps.answered': { counted: (f) => answered(f, 'nps'), value: scores('nps'), order: 'most' },
  'nps.promoters': { counted: (f) => answered(f, 'nps', (s) => s >= 9), value: scores('nps'), order: 'most' },
  'nps.passives': { counted: (f) => answered(f, 'nps', (s) => s >= 7 && s < 9), value: scores('nps'), order: 'most' },
  'nps.detractors': { counted: (f) => answered(f, 'nps', (s) => s < 7), value: scores('nps'), order: 'most' },
  'sla.firstResponse.met': { counted: (f) => is(f.slaFirstResponse === 'met'), value: FIRST_RESPONSE, order: 'slowest' },
  'sla.firstResponse.breached': { counted: (f) => is(f.slaFirstResponse === 'breached'), value: FIRST_RESPONSE, order: 'slowest' },
  'sla.nextResponse.met': { counted: (f) => f.nextResponseMet, value: NEXT_RESPONSES, order: 'most' },
  'sla.nextResponse.breached': { counted: (f) => f.nextResponseBreached, value: NEXT_RESPONSES, order: 'most' },
  'sla.resolution.met': { counted: (f) => is(f.slaResolution === 'met'), value: RESOLUTION, order: 'slowest' },
  'sla.resolution.breached': { counted: (f) => is(f.slaResolution === 'breached'), value: RESOLUTION, order: 'slowest' },
} satisfies Record<string, FigureRule>;

export type KpiFigure = keyof typeof FIGURE_RULES;
/** The figures a list of conversations can stand behind, in the report's order. */
export const KPI_FIGURES = Object.keys(FIGURE_RULES) as KpiFigure[];
export const isKpiFigure = (name: string): name is KpiFigure => Object.hasOwn(FIGURE_RULES, name);

/** One conversation behind a figure: how many of its number it makes, and its value for it. */
export interface FigureMember {
  conversation: Conversation;
  counted: number;
  /** Undefined when the figure has no value of its own (`conversations`, `open`, ...). */
  value?: FigureValue;
}

export interface FigureSelectionResult {
  figure: KpiFigure;
  /** The name a member's value goes by (`firstResponseMs`), or null when the figure has none. */
  valueName: string | null;
  /** The figure's number in the report for the group: the sum of every member's `counted`. */
  number: number;
  /** How many conversations stand behind it (fewer than `number` when one counts several times). */
  total: number;
  /** The first `limit` of them in the figure's order. */
  members: FigureMember[];
}

export interface FigureSelectionOptions {
  /** A group of the report, by its key (its dimensions are the key's); none: the total. */
  group?: { key: GroupKey; dimensions: readonly GroupDimension[] };
  /** Members kept, the first in the figure's order. */
  limit: number;
  /** As the report's (`KpiOptions.fcrWindowMs`). */
  fcrWindowMs: number;
}

/**
 * The conversations behind one number of the report: fed what the report is fed (each conversation
 * with its customer's record, in any order), keeps the first `limit` in the figure's order (memory
 * for about twice that many, however many conversations pass) and counts the rest.
 */
export class FigureSelection {
  private readonly rule: FigureRule;
  private readonly groupText: string | null;
  private members: Array<FigureMember & { sortKey: number; openedMs: number }> = [];
  private number = 0;
  private total = 0;

  constructor(
    readonly figure: KpiFigure,
    private readonly options: FigureSelectionOptions,
  ) {
    this.rule = FIGURE_RULES[figure];
    const group = options.group;
    this.groupText = group && group.dimensions.length > 0 ? groupId(group.key, group.dimensions) : null;
  }

  /** A conversation as the projection holds it (the drill-down lists projections). */
  add(view: Conversation, customer: KpiCustomer | null): void {
    const c = conversationState(view);
    const group = this.options.group;
    // A conversation belongs to the group the report puts it in: the same key, the same identity.
    if (this.groupText !== null && groupId(groupKeyOf(c, group!.dimensions), group!.dimensions) !== this.groupText) return;
    const facts = conversationFacts(c, customer, this.options.fcrWindowMs);
    const counted = this.rule.counted(facts);
    if (counted === 0) return;
    this.number += counted;
    this.total++;
    const value = this.rule.value?.of(facts);
    this.members.push({ conversation: view, counted, ...(value !== undefined ? { value } : {}), sortKey: this.sortKeyOf(counted, value), openedMs: c.openedAt });
    if (this.members.length >= 2 * this.options.limit + 64) this.trim();
  }

  result(): FigureSelectionResult {
    this.trim();
    return {
      figure: this.figure,
      valueName: this.rule.value?.name ?? null,
      number: this.number,
      total: this.total,
      members: this.members.map(({ sortKey: _, openedMs: __, ...member }) => member),
    };
  }

  private sortKeyOf(counted: number, value: FigureValue | undefined): number {
    if (this.rule.order === 'most') return counted;
    if (this.rule.order !== 'slowest') return 0;
    // Nothing yet (a breached first response still unanswered, a conversation still open) waits longest.
    if (value === null || value === undefined || typeof value === 'boolean') return Infinity;
    if (typeof value === 'number') return value;
    return value.reduce<number>((max, v) => (v === null ? max : Math.max(max, v)), -Infinity);
  }

  /** Keeps the first `limit` in order: by the sort key (largest first), then newest first, then by id (a total order). */
  private trim(): void {
    this.members.sort(
      (a, b) =>
        b.sortKey - a.sortKey || b.openedMs - a.openedMs || (a.conversation.id < b.conversation.id ? -1 : a.conversation.id > b.conversation.id ? 1 : 0),
    );
    if (this.members.length > this.options.limit) this.members.length = this.options.limit;
  }
}

/** The conversations behind one number of the report, in one call (specs, small tools). */
export function conversationsBehind(figure: KpiFigure, conversations: Iterable<{ conversation: Conversation; customer: KpiCustomer | null }>, options: FigureSelectionOptions): FigureSelectionResult {
  const selection = new FigureSelection(figure, options);
  for (const { conversation, customer } of conversations) selection.add(conversation, customer);
  return selection.result();
}

export class GroupFigures {
  conversations = 0;
  customerInitiated = 0;
  agentInitiated = 0;
  readonly customers = new Set<string>();
  readonly tenants = new Set<string>();
  resolved = 0;
  everResolved = 0;
  reopened = 0;
  fcrResolved = 0;
  fcrFirstContact = 0;
  readonly firstResponse = new Distribution();
  readonly nextResponse = new Distribution();
  readonly handling = new Distribution();
  readonly resolution = new Distribution();
  readonly firstResolution = new Distribution();
  csat = { sent: 0, answered: 0, satisfied: 0 };
  nps = { sent: 0, answered: 0, promoters: 0, passives: 0, detractors: 0 };
  sla = { firstResponse: { met: 0, breached: 0 }, nextResponse: { met: 0, breached: 0 }, resolution: { met: 0, breached: 0 } };
  readonly categories = new Map<string | null, number>();
  readonly channels = new Map<string | null, number>();
  readonly backlogDelta = new Map<number, number>();
  lastDay = -Infinity;
  readonly weeks = new Map<string, WeekTally>();

  add(f: ConversationFacts): void {
    this.conversations++;
    if (f.customerInitiated) this.customerInitiated++;
    else this.agentInitiated++;
    this.customers.add(f.customerKey);
    this.tenants.add(f.tenant);
    bump(this.categories, f.category);
    bump(this.channels, f.channel);
    bump(this.week(f.openedWeek).channels, f.channel ?? '(none)');

    if (f.firstResponseMs !== null) this.firstResponse.add(f.firstResponseMs);
    for (const wait of f.nextResponseMs) this.nextResponse.add(wait);
    if (f.resolutionMs !== null) {
      this.resolved++;
      this.resolution.add(f.resolutionMs);
      if (f.handlingMs !== null) this.handling.add(f.handlingMs);
      if (f.firstContact !== null) {
        this.fcrResolved++;
        if (f.firstContact) this.fcrFirstContact++;
      }
    }
    if (f.firstResolutionMs !== null) {
      this.everResolved++;
      this.firstResolution.add(f.firstResolutionMs);
      if (f.reopened) this.reopened++;
    }

    for (const s of f.surveys) {
      const tally = s.answeredWeek !== null ? this.week(s.answeredWeek) : null;
      if (s.kind === 'csat') {
        this.csat.sent++;
        if (tally && s.score !== null) {
          this.csat.answered++;
          tally.csatAnswered++;
          if (s.score >= 4) {
            this.csat.satisfied++;
            tally.csatSatisfied++;
          }
        }
      } else {
        this.nps.sent++;
        if (tally && s.score !== null) {
          this.nps.answered++;
          tally.npsAnswered++;
          if (s.score >= 9) {
            this.nps.promoters++;
            tally.npsNet++;
          } else if (s.score >= 7) this.nps.passives++;
          else {
            this.nps.detractors++;
            tally.npsNet--;
          }
        }
      }
    }

    count(this.sla.firstResponse, f.slaFirstResponse);
    count(this.sla.resolution, f.slaResolution);
    this.sla.nextResponse.met += f.nextResponseMet;
    this.sla.nextResponse.breached += f.nextResponseBreached;

    for (let i = 0; i < f.backlog.length; i += 2) bump(this.backlogDelta, f.backlog[i]!, f.backlog[i + 1]!);
    this.lastDay = Math.max(this.lastDay, f.lastDay);
  }

  /**
   * Adds another group's figures, as if its conversations had been added here: what lets replay fold
   * on several threads and report once. `other` may be an instance or its structured clone.
   */
  absorb(other: GroupFigures): void {
    this.conversations += other.conversations;
    this.customerInitiated += other.customerInitiated;
    this.agentInitiated += other.agentInitiated;
    for (const c of other.customers) this.customers.add(c);
    for (const t of other.tenants) this.tenants.add(t);
    this.resolved += other.resolved;
    this.everResolved += other.everResolved;
    this.reopened += other.reopened;
    this.fcrResolved += other.fcrResolved;
    this.fcrFirstContact += other.fcrFirstContact;
    this.firstResponse.absorb(other.firstResponse);
    this.nextResponse.absorb(other.nextResponse);
    this.handling.absorb(other.handling);
    this.resolution.absorb(other.resolution);
    this.firstResolution.absorb(other.firstResolution);
    addCounts(this.csat, other.csat);
    addCounts(this.nps, other.nps);
    addCounts(this.sla.firstResponse, other.sla.firstResponse);
    addCounts(this.sla.nextResponse, other.sla.nextResponse);
    addCounts(this.sla.resolution, other.sla.resolution);
    for (const [k, n] of other.categories) bump(this.categories, k, n);
    for (const [k, n] of other.channels) bump(this.channels, k, n);
    for (const [k, n] of other.backlogDelta) bump(this.backlogDelta, k, n);
    this.lastDay = Math.max(this.lastDay, other.lastDay);
    for (const [week, t] of other.weeks) {
      const mine = this.week(week);
      for (const [k, n] of t.channels) bump(mine.channels, k, n);
      mine.csatAnswered += t.csatAnswered;
      mine.csatSatisfied += t.csatSatisfied;
      mine.npsAnswered += t.npsAnswered;
      mine.npsNet += t.npsNet;
    }
  }

  private week(week: string): WeekTally {
    let tally = this.weeks.get(week);
    if (!tally) this.weeks.set(week, (tally = { channels: new Map(), csatAnswered: 0, csatSatisfied: 0, npsAnswered: 0, npsNet: 0 }));
    return tally;
  }

  /** The figures as reported; `person` maps a tenant/customer key to its merged identity. */
  finish(person: (key: string) => string, fcrTargets: KpiTargets): KpiFigures {
    const handling = this.handling.summary();
    const fcrRate = rate(this.fcrFirstContact, this.fcrResolved);
    const csatScore = rate(this.csat.satisfied, this.csat.answered);
    return {
      conversations: this.conversations,
      customerInitiated: this.customerInitiated,
      agentInitiated: this.agentInitiated,
      customers: new Set([...this.customers].map(person)).size,
      resolved: this.resolved,
      open: this.conversations - this.resolved,
      firstResponseSeconds: this.firstResponse.summary(),
      nextResponseSeconds: this.nextResponse.summary(),
      handlingSeconds: handling,
      resolutionSeconds: this.resolution.summary(),
      firstResolutionSeconds: this.firstResolution.summary(),
      reopenRate: { reopened: this.reopened, resolved: this.everResolved, rate: rate(this.reopened, this.everResolved) },
      firstContactResolution: { resolvedAtFirstContact: this.fcrFirstContact, resolved: this.fcrResolved, rate: fcrRate },
      csat: { ...this.csat, score: csatScore, responseRate: rate(this.csat.answered, this.csat.sent) },
      nps: {
        ...this.nps,
        score: this.nps.answered === 0 ? null : Math.round(((this.nps.promoters - this.nps.detractors) / this.nps.answered) * 10_000) / 100,
        responseRate: rate(this.nps.answered, this.nps.sent),
      },
      sla: { firstResponse: compliance(this.sla.firstResponse), nextResponse: compliance(this.sla.nextResponse), resolution: compliance(this.sla.resolution) },
      contactReasons: shares(this.categories, this.conversations).map(([category, conversations, share]) => ({ category, conversations, share })),
      channels: shares(this.channels, this.conversations).map(([channel, conversations, share]) => ({ channel, conversations, share })),
      backlog: this.backlog(),
      weekly: [...this.weeks]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([week, t]) => ({
          week,
          conversations: Object.fromEntries([...t.channels].sort(([a], [b]) => (a < b ? -1 : 1))),
          csat: rate(t.csatSatisfied, t.csatAnswered),
          nps: t.npsAnswered === 0 ? null : Math.round((t.npsNet / t.npsAnswered) * 10_000) / 100,
        })),
      firstResponseHistogram: histogram(this.firstResponse),
      serviceScore: serviceScore({ meanHandlingSeconds: handling.mean, fcrRate, csat: csatScore }, fcrTargets),
    };
  }

  private backlog(): Array<{ day: string; open: number }> {
    if (this.backlogDelta.size === 0) return [];
    const days = [...this.backlogDelta.keys()];
    const first = Math.min(...days);
    const last = Math.max(this.lastDay, ...days.filter((d) => (this.backlogDelta.get(d) ?? 0) !== 0));
    const out: Array<{ day: string; open: number }> = [];
    let open = 0;
    for (let d = first; d <= last; d++) {
      open += this.backlogDelta.get(d) ?? 0;
      out.push({ day: dayLabel(d), open });
    }
    return out;
  }
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function addCounts<T extends object>(into: T, from: T): void {
  for (const k of Object.keys(into) as Array<keyof T>) (into[k] as number) += from[k] as number;
}

function count(tally: { met: number; breached: number }, outcome: 'met' | 'breached' | null): void {
  if (outcome === 'met') tally.met++;
  if (outcome === 'breached') tally.breached++;
}

const compliance = (t: { met: number; breached: number }): SlaCompliance => ({ ...t, compliance: rate(t.met, t.met + t.breached) });

/** Largest first, then by name (null last), with each one's share of the whole. */
function shares<K extends string | null>(map: Map<K, number>, whole: number): Array<[K, number, number]> {
  return [...map]
    .sort(([ka, a], [kb, b]) => b - a || (ka === null ? 1 : kb === null ? -1 : ka < kb ? -1 : ka > kb ? 1 : 0))
    .map(([k, n]) => [k, n, whole === 0 ? 0 : round4(n / whole)]);
}

function histogram(d: Distribution): Array<{ upToSeconds: number | null; count: number }> {
  const buckets = [...HISTOGRAM_BOUNDS.map((b) => ({ upToSeconds: b as number | null, count: 0 })), { upToSeconds: null, count: 0 }];
  for (const [valueMs, n] of d.sorted()) {
    const i = HISTOGRAM_BOUNDS.findIndex((b) => valueMs <= b * 1000);
    buckets[i === -1 ? buckets.length - 1 : i]!.count += n;
  }
  return buckets;
}
