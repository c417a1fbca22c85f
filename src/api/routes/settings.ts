import type { FastifyInstance } from 'fastify';
import type { TenantRegistry } from '../../config/policies.ts';

/**
 * `GET /v1/settings` (`settings:admin`): the tenant's workflow settings as the engine runs them
 * (teams, agents, triage, SLA, calendars, surveys, bot), defaults filled in. They are changed in
 * the tenant's YAML file (config/tenants/<tenant>.yaml) and take effect when the roles restart.
 */
export function settingsRoutes(app: FastifyInstance, { tenants }: { tenants: TenantRegistry }): void {
  app.get('/v1/settings', { config: { access: 'settings:admin' } }, async (request) => ({ tenant: request.tenant, settings: tenants(request.tenant) }));
}
