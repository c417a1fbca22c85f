/**
 * A thin given/when/then helper over decideTriage, so triage specs read as specifications:
 *
 *   given({ customer: { id: 'cus_vip' }, settings: withVips('cus_vip') })
 *     .when('Where is my parcel?')
 *     .then((d) => expect(d.priority).toBe('high'));
 *
 * The conversation opened at T0 and triage runs a minute later unless the spec says otherwise.
 */
import { newConversation } from '../../../../src/domain/fold/conversation.ts';
import type { Conversation, Customer } from '../../../../src/domain/state.ts';
import { defaultTriageSettings, defaultTriageSettingsInput, triageSettingsSchema, type TriageSettings } from '../../../../src/domain/triage/config.ts';
import { decideTriage, type TriageDecision } from '../../../../src/domain/triage/decide.ts';
import { conversationView } from '../../../../src/domain/fold/fold-state.ts';

export const T0 = '2026-01-05T09:00:00.000Z';
export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;
/** ISO time `ms` milliseconds after `at` (negative: before). */
export const plus = (at: string, ms: number) => new Date(Date.parse(at) + ms).toISOString();

export interface Context {
  conversation?: Partial<Conversation>;
  customer?: Partial<Customer>;
  settings?: TriageSettings;
  /** Open times of the customer's conversations, as the workflow step would pass them. */
  conversationsOpenedAt?: string[];
}

export interface When {
  /** The customer's messages, oldest first (subject included), triaged at `now` (default T0 + 1 min). */
  when(...texts: string[]): { at(now: string): Then } & Then;
}

interface Then {
  then(expectation: (decision: TriageDecision) => void): TriageDecision;
}

export function given(context: Context = {}): When {
  const conversation: Conversation = {
    ...conversationView(newConversation({ id: 'cv_m1', tenant: 'acme', customer: 'cus_1', at: Date.parse(T0), initiatedBy: 'customer', channel: 'email' })),
    ...context.conversation,
  };
  const customer: Customer = {
    tenant: 'acme',
    id: 'cus_1',
    identities: [],
    openConversationId: conversation.id,
    conversationIds: [conversation.id],
    mergedInto: null,
    mergedFrom: [],
    firstSeenAt: T0,
    lastSeenAt: T0,
    lastAssignee: null,
    lastSurveyAt: { csat: null, nps: null },
    ...context.customer,
  };
  const settings = context.settings ?? defaultTriageSettings;
  const decide = (texts: string[], now: string) =>
    decideTriage({ conversation, customer, texts, recentConversationsOpenedAt: context.conversationsOpenedAt ?? [conversation.openedAt], now }, settings);
  return {
    when: (...texts) => {
      const at = (now: string): Then => ({
        then: (expectation) => {
          const decision = decide(texts, now);
          expectation(decision);
          return decision;
        },
      });
      return { at, ...at(plus(T0, MINUTE)) };
    },
  };
}

/** The default settings with these VIP customers. */
export const withVips = (...customers: string[]): TriageSettings =>
  triageSettingsSchema.parse({ ...defaultTriageSettingsInput, vip: { ...defaultTriageSettingsInput.vip, customers } });
