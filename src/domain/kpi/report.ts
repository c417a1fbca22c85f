/**
 * The KPI report as a pure function of the fold's outputs: conversation records (with the customer
 * record each belongs to) and the customers (for merges). Replay feeds it conversations as they
 * settle; the live report feeds it the projections; both give the same report (docs/metrics.md).
 */
import { conversationState, type ConversationState } from '../fold/fold-state.ts';
import type { Conversation } from '../state.ts';
import { conversationFacts, GroupFigures, type KpiCustomer, type KpiFigures } from './figures.ts';
import { groupId, groupKeyOf, keyText, type GroupDimension, type GroupKey } from './groups.ts';
import { defaultKpiTargets, type KpiTargets } from './targets.ts';

export interface KpiOptions {
  groupBy: readonly GroupDimension[];
  /** A repeat contact in the same category within this long after a resolution takes its first-contact resolution (default 7 days). */
  fcrWindowMs: number;
  /** The tenant's targets for the service score. */
  targets: (tenant: string) => KpiTargets;
}

export const DEFAULT_FCR_WINDOW_MS = 7 * 86_400_000;

export interface KpiReport {
  total: KpiFigures;
  groups: Array<{ key: GroupKey } & KpiFigures>;
}

export interface KpiTally {
  total: GroupFigures;
  groups: Map<string, { key: GroupKey; figures: GroupFigures }>;
  /** tenant/absorbed -> tenant/survivor. */
  mergedInto: Map<string, string>;
}

export class KpiAccumulator {
  private readonly total = new GroupFigures();
  private readonly groups = new Map<string, { key: GroupKey; figures: GroupFigures }>();
  /** tenant/absorbed -> tenant/survivor. */
  private readonly mergedInto = new Map<string, string>();
  private readonly options: KpiOptions;

  constructor(options: Partial<KpiOptions> = {}) {
    this.options = { groupBy: options.groupBy ?? [], fcrWindowMs: options.fcrWindowMs ?? DEFAULT_FCR_WINDOW_MS, targets: options.targets ?? (() => defaultKpiTargets) };
  }

  /** Every customer record, once: merges are learnt here (order does not matter). */
  addCustomer(customer: KpiCustomer): void {
    if (customer.mergedInto) this.mergedInto.set(`${customer.tenant}/${customer.id}`, `${customer.tenant}/${customer.mergedInto}`);
  }

  /** A conversation as it stands at the end of the stream (or once it can no longer change), with its customer's record. */
  addConversation(c: ConversationState, customer: KpiCustomer | null): void {
    const facts = conversationFacts(c, customer, this.options.fcrWindowMs);
    this.total.add(facts);
    if (this.options.groupBy.length === 0) return;
    const key = groupKeyOf(c, this.options.groupBy);
    const id = groupId(key, this.options.groupBy);
    let group = this.groups.get(id);
    if (!group) this.groups.set(id, (group = { key, figures: new GroupFigures() }));
    group.figures.add(facts);
  }

  /** What has been seen so far as plain data (structured-cloneable: it crosses threads). */
  tally(): KpiTally {
    return { total: this.total, groups: this.groups, mergedInto: this.mergedInto };
  }

  /**
   * Adds what another accumulator with the same options has seen (its tally, or a structured clone
   * of it from another thread). Figures are counts and exact value maps, so the merged report is the
   * report of everything both saw, however the conversations were split.
   */
  absorb(other: KpiTally): void {
    this.total.absorb(other.total);
    for (const [text, g] of other.groups) {
      let mine = this.groups.get(text);
      if (!mine) this.groups.set(text, (mine = { key: g.key, figures: new GroupFigures() }));
      mine.figures.absorb(g.figures);
    }
    for (const [from, to] of other.mergedInto) this.mergedInto.set(from, to);
  }

  report(): KpiReport {
    const person = (key: string) => this.personOf(key);
    const targetsOf = (f: GroupFigures) => (f.tenants.size === 1 ? this.options.targets([...f.tenants][0]!) : defaultKpiTargets);
    const groups = [...this.groups.values()]
      .map((g) => ({ g, text: keyText(g.key, this.options.groupBy) }))
      .sort(({ text: a }, { text: b }) => (a < b ? -1 : a > b ? 1 : 0))
      .map(({ g }) => ({ key: g.key, ...g.figures.finish(person, targetsOf(g.figures)) }));
    return { total: this.total.finish(person, targetsOf(this.total)), groups };
  }

  /** Follows merges to the surviving customer (a chain of merges too; a cycle stops where it repeats). */
  private personOf(key: string): string {
    let current = key;
    const seen = new Set<string>();
    for (let next = this.mergedInto.get(current); next !== undefined && !seen.has(next); next = this.mergedInto.get(current)) {
      seen.add(current);
      current = next;
    }
    return current;
  }
}

/** The report of a set of conversation and customer projections in one call (specs, small tools). */
export function kpiReport(input: { conversations: Iterable<{ conversation: Conversation; customer: KpiCustomer | null }>; customers: Iterable<KpiCustomer> }, options: Partial<KpiOptions> = {}): KpiReport {
  const acc = new KpiAccumulator(options);
  for (const customer of input.customers) acc.addCustomer(customer);
  for (const { conversation, customer } of input.conversations) acc.addConversation(conversationState(conversation), customer);
  return acc.report();
}
