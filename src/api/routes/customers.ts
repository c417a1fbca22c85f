import type { CountryCode } from 'libphonenumber-js';
import { normalisePhone } from '../../channels/handles.ts';
import type { FastifyInstance } from 'fastify';
import { ApiError, notFound, sendError } from '../../http/errors.ts';
import { TRANSCRIPT_LIMIT } from '../../projections/keys.ts';
import { customerView } from '../../projections/views.ts';
import { limitQuery, mayReadCustomer, type ReadDeps } from './shared.ts';

const DEFAULT_TIMELINE = 50;
/** A handle shared by more customers than this is not one person's: the 409 lists the first ones. */
const MAX_CANDIDATES = 20;

interface ProfileQuery {
  limit: number;
}

/**
 * `GET /v1/customers/:id` and `GET /v1/customers?handle=`: one person's profile, conversations
 * (newest first) and cross-channel timeline, merged customers included.
 */
export function customerRoutes(
  app: FastifyInstance,
  { reader, tenants, defaultCountry, byIdentity }: ReadDeps & { defaultCountry?: CountryCode; byIdentity?: (tenant: string, spellings: string[]) => Promise<string[]> },
): void {
  const querystring = limitQuery(DEFAULT_TIMELINE, TRANSCRIPT_LIMIT);

  app.get<{ Params: { id: string }; Querystring: ProfileQuery }>('/customers/:id', { schema: { querystring }, config: { access: 'conversations:read' } }, async (request, reply) => {
    const scope = await reader.scope(request.tenant);
    const view = await customerView(reader, scope, request.params.id, request.query.limit);
    if (!view) throw notFound('customer');
    if (!mayReadCustomer(request, reply, tenants, view.conversations)) return reply;
    return view;
  });

  app.get<{ Querystring: ProfileQuery & { handle?: string } }>(
    '/customers',
    {
      schema: {
        querystring: { ...querystring, properties: { ...querystring.properties, handle: { type: 'string', minLength: 1, maxLength: 320 } } },
      },
      config: { access: 'conversations:read' },
    },
    async (request, reply) => {
      const { handle, limit } = request.query;
      if (handle === undefined) throw new ApiError(400, 'bad_request', 'give ?handle= (an e-mail address, phone number or social handle)');
      const scope = await reader.scope(request.tenant);
      const spelt = spellings(handle, defaultCountry);
      // Sealed, the projection's handle index is keyed by ciphertext: the doors' (blinded) identities find the customer.
      const found = [...(await reader.customerIdsByHandle(scope, spelt)), ...(byIdentity ? await byIdentity(request.tenant, spelt) : [])];
      const candidates = [...new Set(found)].slice(0, MAX_CANDIDATES);
      const views = (await Promise.all(candidates.map((id) => customerView(reader, scope, id, limit)))).filter((v) => v !== undefined);
      // One person may have been several customers before a merge: what counts is the survivors.
      const people = [...new Set(views.map((v) => v.customer.id))];
      // The handle is personal data: no message repeats it.
      if (people.length === 0) throw notFound('customer with this handle');
      if (people.length > 1) {
        return sendError(reply, 409, 'ambiguous_handle', `${people.length} customers share this handle; read each by id`, { customers: people });
      }
      const [person] = people as [string];
      const view = views.find((v) => v.customer.id === person && v.mergedInto === undefined) ?? (await customerView(reader, scope, person, limit));
      if (view && !mayReadCustomer(request, reply, tenants, view.conversations)) return reply;
      return view;
    },
  );
}

/**
 * The ways adapters may have stored this handle: e-mail lower-cased, phones in E.164 (so
 * "415 555 0123" finds "+14155550123"); other handles are case-sensitive (social ids).
 */
function spellings(handle: string, defaultCountry?: CountryCode): string[] {
  const given = handle.trim();
  const out = new Set([given]);
  if (given.includes('@')) out.add(given.toLowerCase());
  else {
    const phone = normalisePhone(given, defaultCountry);
    if (phone.ok) out.add(phone.value.handle);
  }
  return [...out];
}
