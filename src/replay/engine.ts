/**
 * Replay: fold a stream in memory with the shared `applyEvent` and feed the conversations to the
 * KPI accumulator. Memory follows open and recent conversations, not the log: a resolved
 * conversation is retired into the report once its partition's event time has moved `settleAfterMs` (8 days)
 * past its resolution (by then no reopen window, survey reply window or first-contact-resolution
 * window can still change what it contributes). Customers' fold states stay (the fold needs each
 * customer's open conversation and dedupe window when they come back): one small record per customer.
 */
import type { AnyEvent } from '../../events/index.ts';
import { isAccountSubject } from '../../events/types/account.ts';
import { isAgentSubject } from '../../events/types/agent.ts';
import { AppliedIds, applyRemembering } from '../domain/fold/applied-ids.ts';
import { emptyFold, noEffects, type CustomerFold, type FoldEffects } from '../domain/fold/customer-fold.ts';
import type { FoldPolicies } from '../domain/fold/policy.ts';
import { KpiAccumulator, DEFAULT_FCR_WINDOW_MS, type KpiOptions, type KpiReport, type KpiTally } from '../domain/kpi/report.ts';
import type { Conversation, Customer } from '../domain/state.ts';
import { conversationView, customerView } from '../domain/fold/fold-state.ts';
import { ms } from '../domain/time.ts';

export interface ReplayOptions {
  policies: FoldPolicies;
  kpi?: Partial<KpiOptions>;
  /** Only events with event time in [since, until) (epoch ms) are folded. */
  since?: number;
  until?: number;
  tenant?: string;
  /** How long after its resolution (event time) a conversation is retired; default 8 days. */
  settleAfterMs?: number;
  /** Sees each conversation as it leaves memory (retired, or at the end) with its customer. */
  onConversation?(conversation: Conversation, customer: Customer | null): void;
  /** Sees each customer fold at the end. */
  onCustomer?(fold: CustomerFold): void;
  /** Sees every transcript line the fold writes (conversation as-of views). */
  onTranscript?(effects: FoldEffects['transcript']): void;
}

export interface ReplayStats {
  /** Events read, in the window and out. */
  read: number;
  folded: number;
  duplicates: number;
  /** Outside --since/--until/--tenant, or an agent's presence event (no customer to fold). */
  skipped: number;
  /** Events naming a conversation already retired: the report may differ from the live one (0 in practice). */
  lateEvents: number;
  customers: number;
  conversations: number;
  retired: number;
  /** Most conversations held in memory at once. */
  peakConversationsInMemory: number;
}

/** Past the first-contact-resolution and survey-reply windows (7 days each), with a day for late triage. */
export const DEFAULT_SETTLE_AFTER_MS = 8 * 86_400_000;
const RETIRE_EVERY = 50_000;

interface Entry {
  fold: CustomerFold;
  partition: number;
  /** The customer's applied event ids within the dedupe horizon: duplicates at any distance. */
  ids: AppliedIds;
}

/** A conversation resolved at `resolvedMs`: a candidate for retirement once its partition has moved on. */
interface Resolved {
  resolvedMs: number;
  entry: Entry;
  id: string;
}

/** Per partition, the resolved conversations by resolution time, earliest first (a binary heap). */
class ResolvedHeap {
  private readonly items: Resolved[] = [];

  push(item: Resolved): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.resolvedMs <= a[i]!.resolvedMs) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }

  peek(): Resolved | undefined {
    return this.items[0];
  }

  pop(): Resolved | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.resolvedMs < a[m]!.resolvedMs) m = l;
        if (r < a.length && a[r]!.resolvedMs < a[m]!.resolvedMs) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

export class Replay {
  readonly stats: ReplayStats = { read: 0, folded: 0, duplicates: 0, skipped: 0, lateEvents: 0, customers: 0, conversations: 0, retired: 0, peakConversationsInMemory: 0 };
  private readonly folds = new Map<string, Map<string, Entry>>();
  private customers = 0;
  /** Per partition, the latest event time read (indexed by partition number). */
  private readonly watermark: number[] = [];
  /** Resolutions not retired yet, per partition: a retirement pass looks at the due ones only, not at every customer. */
  private readonly resolved = new Map<number, ResolvedHeap>();
  private readonly accumulator: KpiAccumulator;
  private readonly effects: FoldEffects;
  private readonly settleAfterMs: number;
  private inMemory = 0;
  private sinceRetire = 0;

  constructor(private readonly o: ReplayOptions) {
    this.accumulator = new KpiAccumulator(o.kpi);
    // A report needs no workflow jobs, and transcript lines only for whoever asked for them.
    this.effects = noEffects({ transcript: o.onTranscript !== undefined, triggers: false });
    this.settleAfterMs = Math.max(o.settleAfterMs ?? DEFAULT_SETTLE_AFTER_MS, o.kpi?.fcrWindowMs ?? DEFAULT_FCR_WINDOW_MS);
  }

  /** One event in log order (per partition; a file is one partition). */
  add(event: AnyEvent, partition = 0): void {
    this.stats.read++;
    const time = ms(event.time);
    if ((this.o.since !== undefined && time < this.o.since) || (this.o.until !== undefined && time >= this.o.until) || (this.o.tenant !== undefined && event.tenant !== this.o.tenant) || isAgentSubject(event.customer) || isAccountSubject(event.customer)) {
      this.stats.skipped++;
      return;
    }
    // Per tenant, then per customer: no key text to build and hash for every event.
    let ofTenant = this.folds.get(event.tenant);
    if (!ofTenant) this.folds.set(event.tenant, (ofTenant = new Map()));
    let entry = ofTenant.get(event.customer);
    if (!entry) {
      ofTenant.set(event.customer, (entry = { fold: emptyFold(event.tenant, event.customer), partition, ids: new AppliedIds() }));
      this.customers++;
    }
    const { fold } = entry;
    if (event.conversation !== undefined && !fold.conversations[event.conversation] && fold.customer?.conversationIds.includes(event.conversation)) this.stats.lateEvents++;

    const fx = this.effects;
    // What this event changed is `fx.touched` (reset by the fold); the batch-wide set is not read
    // here, and Set.clear allocates a new table in V8, so it is emptied only now and then.
    if (fx.changedConversations.size >= 1024) fx.changedConversations.clear();
    if (fx.touched.length > 0) fx.touched.length = 0;
    if (fx.transcript.length > 0) fx.transcript.length = 0;
    if (fx.delivery.length > 0) fx.delivery.length = 0;
    const known = fold.customer?.conversationIds.length ?? 0;
    if (applyRemembering(fold, event, this.o.policies(event.tenant), fx, entry.ids)) this.stats.folded++;
    else this.stats.duplicates++;
    for (const id of fx.touched) {
      const c = fold.conversations[id];
      if (c?.status === 'resolved') this.resolvedIn(entry.partition).push({ resolvedMs: c.resolvedAt!, entry, id });
    }
    const opened = (fold.customer?.conversationIds.length ?? 0) - known;
    if (opened > 0) {
      this.inMemory += opened;
      this.stats.conversations += opened;
      if (this.inMemory > this.stats.peakConversationsInMemory) this.stats.peakConversationsInMemory = this.inMemory;
    }
    if (this.o.onTranscript && fx.transcript.length > 0) this.o.onTranscript(fx.transcript);

    if (!(time <= this.watermark[partition]!)) this.watermark[partition] = time;
    if (++this.sinceRetire >= RETIRE_EVERY) this.retireSettled();
  }

  /** The report of everything added; call once, at the end. */
  finish(): { report: KpiReport; stats: ReplayStats } {
    this.settleAll();
    return { report: this.accumulator.report(), stats: this.stats };
  }

  /** What the report is made of, as plain data to merge with other threads' (see threaded.ts); call once, at the end. */
  finishTally(): { tally: KpiTally; stats: ReplayStats } {
    this.settleAll();
    return { tally: this.accumulator.tally(), stats: this.stats };
  }

  private settleAll(): void {
    for (const { fold } of this.entries()) {
      const customer = fold.customer;
      if (customer) this.accumulator.addCustomer(customer);
      for (const c of Object.values(fold.conversations)) this.retire(fold, c.id);
      this.o.onCustomer?.(fold);
    }
    this.stats.customers = this.customers;
  }

  private *entries(): Iterable<Entry> {
    for (const ofTenant of this.folds.values()) yield* ofTenant.values();
  }

  private resolvedIn(partition: number): ResolvedHeap {
    let heap = this.resolved.get(partition);
    if (!heap) this.resolved.set(partition, (heap = new ResolvedHeap()));
    return heap;
  }

  /**
   * Retires every conversation resolved at or before its partition's horizon and still resolved
   * then. A conversation reopened (and maybe resolved again later) has a stale heap item: it is
   * checked against the conversation as it stands, and a later resolution has an item of its own.
   */
  private retireSettled(): void {
    this.sinceRetire = 0;
    for (const [partition, heap] of this.resolved) {
      const horizon = (this.watermark[partition] ?? -Infinity) - this.settleAfterMs;
      for (let item = heap.peek(); item && item.resolvedMs <= horizon; item = heap.peek()) {
        heap.pop();
        const { fold } = item.entry;
        const c = fold.conversations[item.id];
        if (c && c.status === 'resolved' && c.id !== fold.customer?.openConversationId && c.resolvedAt! <= horizon) {
          this.retire(fold, c.id);
          this.stats.retired++;
        }
      }
    }
  }

  private retire(fold: CustomerFold, id: string): void {
    const c = fold.conversations[id]!;
    this.accumulator.addConversation(c, fold.customer);
    // Projections only for whoever asked (specs, the as-of and export tools): the report needs none.
    if (this.o.onConversation) this.o.onConversation(conversationView(c), fold.customer && customerView(fold.customer));
    delete fold.conversations[id];
    this.inMemory--;
  }
}
