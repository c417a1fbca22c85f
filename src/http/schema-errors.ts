import type { FastifySchemaValidationError } from 'fastify';

/**
 * A route's `schemaErrorFormatter` whose 400 names the field, in words a person acts on: an unknown
 * field by its name (ajv's own message says only "must NOT have additional properties"), a field
 * that does not match its pattern by `hints[field]` rather than the regular expression.
 */
export function namingSchemaErrors(hints: Readonly<Record<string, string>> = {}): (errors: FastifySchemaValidationError[], dataVar: string) => Error {
  return (errors, dataVar) => new Error(errors.map((e) => sentence(e, dataVar, hints)).join('; '));
}

function sentence(e: FastifySchemaValidationError, dataVar: string, hints: Readonly<Record<string, string>>): string {
  const at = `${dataVar}${e.instancePath}`;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return `${at}/${String(params.additionalProperty)} is not a field this accepts`;
  if (e.keyword === 'required') return `${at}/${String(params.missingProperty)} is required`;
  if (e.keyword === 'minProperties' && params.limit === 1) return `${at} must name at least one field to change`;
  const field = e.instancePath.split('/').pop() ?? '';
  if (e.keyword === 'pattern' && Object.hasOwn(hints, field)) return `${at} ${hints[field]}`;
  return `${at} ${e.message ?? 'is not valid'}`;
}
