import { createEvent, type AnyEvent, type EventDataInput } from '../../events/index.ts';
import { accountSubject } from '../../events/types/account.ts';
import type { Actor } from '../domain/actions/decision.ts';
import type { EnvelopeAttributes } from '../../events/index.ts';

export type AccountChange = Omit<EventDataInput<'account.changed'>, 'by'>;

/**
 * The audit event of a change to who may do what: on the subject's own key (`account:<id>` or
 * `api-key:<id>`), naming who made it and how they came, carrying ids and roles, never a secret.
 */
export function accountChangedEvent(input: {
  tenant: string;
  change: AccountChange;
  by: Actor;
  auth: Pick<EnvelopeAttributes, 'authtype' | 'authid' | 'authclaims'>;
  time: Date;
}): AnyEvent {
  const { subject } = input.change;
  return createEvent({
    type: 'account.changed',
    source: '/api/accounts',
    tenant: input.tenant,
    customer: accountSubject(subject.kind, subject.id),
    time: input.time,
    data: { ...input.change, by: input.by },
    auth: input.auth,
  });
}
