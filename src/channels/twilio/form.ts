/** A form-encoded body as Twilio sends it: every name with all its values, in order. */
export type FormParams = Record<string, string[]>;

export function parseForm(body: string): FormParams {
  const params: FormParams = {};
  for (const [name, value] of new URLSearchParams(body)) (params[name] ??= []).push(value);
  return params;
}

/** The first value of a parameter; Twilio sends each of its own parameters once. */
export function param(params: FormParams, name: string): string | undefined {
  return Object.hasOwn(params, name) ? params[name]![0] : undefined;
}
