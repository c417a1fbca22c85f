/**
 * The triage policy: from what the customer wrote and who they are, the contact reason (category),
 * the team it belongs to, its priority and language. The workflow step publishes the result as
 * conversation.triaged; `reasons` says which rules fired, for agents and audits.
 *
 * Pure: the caller reads the projection and passes the event time as `now`.
 */
import type { Conversation, Customer, Priority } from '../state.ts';
import type { TriageSettings } from './config.ts';
import { keywordMatchers, normaliseText, type KeywordMatcher } from './keywords.ts';
import { detectLanguage } from './language.ts';

export interface TriageInput {
  conversation: Conversation;
  customer: Customer;
  /** The customer's messages so far, oldest first, the subject included. */
  texts: readonly string[];
  /**
   * When the customer's conversations opened (RFC 3339), for the repeated-contact rule. This
   * conversation counts whether it is listed or not; times after `now` are ignored.
   */
  recentConversationsOpenedAt: readonly string[];
  /** The time of the event that asked for triage (RFC 3339). */
  now: string;
}

/** The data of conversation.triaged. */
export interface TriageDecision {
  category: string;
  priority: Priority;
  /** BCP 47; null when the customer wrote no letters and declared no language. */
  language: string | null;
  team: string | null;
  /** The rules that fired, e.g. `keyword:refund:en:refund*`, `vip`, `legal-threat:ru`, `repeated-contact:3-in-7d`. */
  reasons: string[];
}

/** conversation.triaged carries at most 20 reasons. */
export const MAX_REASONS = 20;

const RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2, urgent: 3 };

export function decideTriage(input: TriageInput, settings: TriageSettings): TriageDecision {
  const rules = compiled(settings);
  const texts = input.texts.map(normaliseText);

  // Category: the highest score wins; the settings' order breaks ties (a stable sort keeps it).
  const scored = rules.categories
    .map((c, order) => {
      const hits = matches(c.matchers, texts);
      return { category: c.category, hits, score: hits.length * c.category.weight, order };
    })
    .filter((c) => c.score > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order);
  const winner = scored[0];
  const category = winner?.category ?? rules.fallback;

  // Priority: the highest of the rules that fired, never below the conversation's current one.
  const fired: Array<{ priority: Priority; reason: string }> = [];
  const vips = new Set(settings.vip.customers);
  if ([input.customer.id, ...input.customer.mergedFrom].some((id) => vips.has(id))) {
    fired.push({ priority: settings.vip.priority, reason: 'vip' });
  }
  for (const lang of languagesMatched(rules.legalThreat, texts)) fired.push({ priority: settings.legalThreat.priority, reason: `legal-threat:${lang}` });
  for (const lang of languagesMatched(rules.cancellation, texts)) fired.push({ priority: settings.cancellation.priority, reason: `cancellation:${lang}` });
  const repeated = settings.repeatedContact;
  if (repeated && conversationsWithin(input, repeated.within) >= repeated.conversations) {
    fired.push({ priority: repeated.priority, reason: `repeated-contact:${repeated.conversations}-in-${durationLabel(repeated.within)}` });
  }
  const current = input.conversation.priority;
  const highestFired = fired.reduce<Priority | null>((top, f) => (top === null || RANK[f.priority] > RANK[top] ? f.priority : top), null);
  const priority = highestFired !== null && RANK[highestFired] > RANK[current] ? highestFired : current;
  // Say so when the conversation's own priority stood: over a rule, or away from the usual `normal`.
  const kept = priority === current && (highestFired !== null ? RANK[current] > RANK[highestFired] : current !== 'normal');

  const language = detectLanguage(input.texts.join('\n'), { declared: input.conversation.language });

  const categoryReasons = winner ? winner.hits.map((h) => keywordReason(category.name, h)) : [`fallback:${category.name}`];
  const priorityReasons = [...fired.map((f) => f.reason), ...(kept ? [`kept-priority:${current}`] : [])];
  // Keywords of the categories that lost come last, and are the first to go when reasons run out.
  const runnerUpReasons = scored.slice(1).flatMap((c) => c.hits.map((h) => keywordReason(c.category.name, h)));
  const reasons = [...categoryReasons.slice(0, MAX_REASONS - priorityReasons.length), ...priorityReasons, ...runnerUpReasons].slice(0, MAX_REASONS);

  return { category: category.name, priority, language, team: category.team, reasons };
}

interface LanguageMatcher {
  language: string;
  matcher: KeywordMatcher;
}

interface CompiledSettings {
  categories: Array<{ category: TriageSettings['categories'][number]; matchers: LanguageMatcher[] }>;
  fallback: TriageSettings['categories'][number];
  legalThreat: LanguageMatcher[];
  cancellation: LanguageMatcher[];
}

// Settings are parsed once and then read-only; compiling their regular expressions once per
// settings object is a cache, not state: the same settings always compile the same way.
const cache = new WeakMap<TriageSettings, CompiledSettings>();

function compiled(settings: TriageSettings): CompiledSettings {
  let c = cache.get(settings);
  if (!c) {
    const fallback = settings.categories.find((x) => x.name === settings.fallbackCategory) ?? settings.categories[0];
    if (!fallback) throw new Error('triage settings without categories (the schema requires at least one)');
    c = {
      categories: settings.categories.map((category) => ({ category, matchers: languageMatchers(category.keywords) })),
      fallback,
      legalThreat: languageMatchers(settings.legalThreat.keywords),
      cancellation: languageMatchers(settings.cancellation.keywords),
    };
    cache.set(settings, c);
  }
  return c;
}

/** Matchers for keywords per language; a keyword listed under two languages counts once, under the first. */
function languageMatchers(keywords: Record<string, string[]>): LanguageMatcher[] {
  const seen = new Set<string>();
  const out: LanguageMatcher[] = [];
  for (const [language, list] of Object.entries(keywords)) {
    for (const matcher of keywordMatchers(list)) {
      const key = normaliseText(matcher.keyword.trim());
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ language, matcher });
    }
  }
  return out;
}

/** Matchers whose keyword appears in any of the texts; each keyword scores once however often it appears. */
const matches = (matchers: readonly LanguageMatcher[], texts: readonly string[]) => matchers.filter((m) => texts.some((t) => m.matcher.test(t)));

/** Languages with at least one matched word, in configured order. */
const languagesMatched = (matchers: readonly LanguageMatcher[], texts: readonly string[]) => [...new Set(matches(matchers, texts).map((m) => m.language))];

const keywordReason = (category: string, hit: LanguageMatcher) => `keyword:${category}:${hit.language}:${hit.matcher.keyword}`.slice(0, 200);

/** Conversations opened in the window [now - within, now], edges included, this one counted once. */
function conversationsWithin(input: TriageInput, withinMs: number): number {
  const now = Date.parse(input.now);
  const opened = new Set([...input.recentConversationsOpenedAt, input.conversation.openedAt].map((t) => Date.parse(t)));
  let count = 0;
  for (const t of opened) if (t <= now && now - t <= withinMs) count++;
  return count;
}

/** 604800000 -> `7d`, 172800000 -> `2d`, 5400000 -> `90m`: the largest unit that divides evenly. */
function durationLabel(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [unit, size] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
