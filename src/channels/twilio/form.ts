import { isUtf8 } from 'node:buffer';

/**
 * A form-encoded body as Twilio sends it: every name with all its values, in order. Built with no
 * prototype, so a name such as `__proto__`, `constructor` or `toString` is a name like any other.
 */
export type FormParams = Record<string, string[]>;

export function parseForm(body: string): FormParams {
  const params: FormParams = Object.create(null) as FormParams;
  for (const [name, value] of new URLSearchParams(body)) (params[name] ??= []).push(value);
  return params;
}

/** The first value of a parameter; Twilio sends each of its own parameters once. */
export function param(params: FormParams, name: string): string | undefined {
  return Object.hasOwn(params, name) ? params[name]![0] : undefined;
}

/**
 * Why a form body does not decode to UTF-8 text, or undefined. URLSearchParams replaces bytes that
 * are not UTF-8 (raw or percent-escaped) with U+FFFD without a word; Twilio sends UTF-8 only, so
 * such a body is refused rather than stored with its text changed.
 */
export function formEncodingProblem(raw: Buffer): string | undefined {
  if (!isUtf8(raw)) return 'the body is not valid UTF-8';
  for (const part of raw.toString('utf8').split('&')) {
    // A lone "%" is kept literally by form decoding; only real escapes must make UTF-8.
    const escaped = part.replace(/\+/g, ' ').replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
    try {
      decodeURIComponent(escaped);
    } catch {
      return `a percent-escaped value is not UTF-8 (${JSON.stringify(part.slice(0, 40))})`;
    }
  }
  return undefined;
}
