/**
 * Canned responses' placeholders, and filling them in. Pure and import-free: the console imports
 * this file as it is (by a relative path), so the composer shows exactly what the engine checks.
 *
 * A placeholder is `{{name}}` (spaces inside the braces allowed). The names are fixed; an admin's
 * text naming another is refused when saved (`unknownPlaceholders`), and should one reach the
 * renderer anyway it is left as written, so a typo shows rather than vanishing.
 */

/** The placeholders a canned response may use. */
export const PLACEHOLDERS = ['customer.name', 'customer.handle', 'agent.name', 'conversation.id'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** What fills the placeholders in; a missing or null value renders as nothing. */
export interface CannedValues {
  /** Customers have no names in the projection yet: null, and `{{customer.name}}` falls back to the handle. */
  customerName?: string | null;
  customerHandle?: string | null;
  agentName?: string | null;
  conversationId: string;
}

/** `{{ anything without braces }}`: the braces' content is the name, trimmed. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
/** A punctuation mark a dropped word's space should not stay in front of. */
const CLOSING = /^[,.!?;:)\]]/;

const isPlaceholder = (name: string): name is Placeholder => (PLACEHOLDERS as readonly string[]).includes(name);

/** The placeholders of `text` that are not one of PLACEHOLDERS, as written (`{{customer.nmae}}`), each once, in order. */
export function unknownPlaceholders(text: string): string[] {
  const unknown: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (!isPlaceholder(match[1]!.trim()) && !unknown.includes(match[0])) unknown.push(match[0]);
  }
  return unknown;
}

function valueOf(name: Placeholder, values: CannedValues): string {
  switch (name) {
    case 'customer.name':
      return values.customerName || values.customerHandle || '';
    case 'customer.handle':
      return values.customerHandle || '';
    case 'agent.name':
      return values.agentName || '';
    case 'conversation.id':
      return values.conversationId;
    default: {
      const never: never = name;
      return never;
    }
  }
}

/**
 * The text with its placeholders filled in. A placeholder with nothing to put in its place goes
 * with the space that set it apart, so the sentence still reads: `Hi {{customer.name}}, thanks`
 * becomes `Hi, thanks`; `Hi {{agent.name}} here` becomes `Hi here`; at the start of a line it takes
 * the space and a comma, colon or semicolon after it (`{{customer.name}}, your order` becomes
 * `your order`). Unknown placeholders stay as written.
 */
export function renderCanned(text: string, values: CannedValues): string {
  let out = '';
  let at = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    out += text.slice(at, match.index);
    at = match.index + match[0].length;
    const name = match[1]!.trim();
    if (!isPlaceholder(name)) {
      out += match[0];
      continue;
    }
    const value = valueOf(name, values);
    if (value !== '') {
      out += value;
      continue;
    }
    // Nothing to put in: tidy the spaces around the hole.
    const spaceBefore = /[ \t]*$/.exec(out)![0];
    const head = out.slice(0, out.length - spaceBefore.length);
    const spaceAfter = /^[ \t]*/.exec(text.slice(at))![0];
    const next = text.slice(at + spaceAfter.length);
    at += spaceAfter.length;
    if (head === '' || head.endsWith('\n')) {
      // First on its line: what separated it from the rest goes too.
      const separator = /^[,;:][ \t]*/.exec(next);
      if (separator) at += separator[0].length;
    } else if (next === '' || next.startsWith('\n') || next.startsWith('\r') || CLOSING.test(next)) {
      out = head;
    } else {
      out = head + (spaceBefore || spaceAfter);
    }
  }
  return out + text.slice(at);
}
