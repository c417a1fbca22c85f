import type { Conversation, Customer } from '../domain/state.ts';
import type { ReadScope } from '../projections/reader.ts';
import { StepMustWait, type WorkflowContext } from './context.ts';

export interface Loaded {
  scope: ReadScope;
  conversation: Conversation;
  customer: Customer;
}

/**
 * Waits (throws StepMustWait: the step is put back for a moment, no attempt spent) until the
 * projection reads use holds the event that asked for the step (`offset` on the customer's
 * partition). Steps are written with the fold's commit, so this only waits while a rebuild has
 * moved the live fold but not yet the reads.
 */
export async function awaitPosition(ctx: WorkflowContext, scope: ReadScope, customer: string, offset: string | undefined): Promise<void> {
  if (offset === undefined) return;
  const pos = await ctx.view.position(scope, customer);
  if (pos === null || pos < BigInt(offset)) throw new StepMustWait(`projection of ${scope.tenant}/${customer} has not reached offset ${offset}`);
}

/** The conversation a step is about, and its customer, once the projection has the step's event; null: gone. */
export async function loadFor(ctx: WorkflowContext, at: { tenant: string; customer: string; conversationId: string; offset?: string }): Promise<Loaded | null> {
  const scope = await ctx.view.scope(at.tenant);
  await awaitPosition(ctx, scope, at.customer, at.offset);
  const [customer, conversation] = await Promise.all([ctx.view.customer(scope, at.customer), ctx.view.conversation(scope, at.customer, at.conversationId)]);
  if (!customer || !conversation) return null;
  return { scope, conversation, customer };
}
