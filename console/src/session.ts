/** What the signed-in person may do, as the API told the console (GET /v1/session's permissions). */
import type { Session } from './api.ts';

export const can = (session: Session, permission: string): boolean => session.permissions.includes(permission);

/** The agent id the person acts as (routing settings), or null. */
export const agentOf = (session: Session): string | null => (session.principal.kind === 'person' ? session.principal.agent : null);
