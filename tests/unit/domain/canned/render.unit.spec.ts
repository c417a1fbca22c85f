import { describe, expect, it } from 'vitest';
import { PLACEHOLDERS, renderCanned, unknownPlaceholders } from '../../../../src/domain/canned/render.ts';

const conversationId = 'cv_42';
const everyone = { customerName: 'Jane Doe', customerHandle: 'jane@example.com', agentName: 'Li Wei', conversationId };

describe('renderCanned fills in the placeholders', () => {
  it('puts each value in its place, spaces inside the braces allowed, every occurrence', () => {
    const text = 'Hi {{customer.name}} ({{ customer.handle }}), this is {{agent.name}} about {{conversation.id}}. Bye {{customer.name}}!';
    expect(renderCanned(text, everyone)).toBe('Hi Jane Doe (jane@example.com), this is Li Wei about cv_42. Bye Jane Doe!');
  });

  it('given no customer name, customer.name is the handle', () => {
    expect(renderCanned('Hi {{customer.name}},', { customerHandle: '+14155550100', conversationId })).toBe('Hi +14155550100,');
    expect(renderCanned('Hi {{customer.name}},', { customerName: null, customerHandle: '+14155550100', conversationId })).toBe('Hi +14155550100,');
  });

  it('given neither name nor handle, the placeholder goes with the space before punctuation or the line end', () => {
    const none = { conversationId };
    expect(renderCanned('Hi {{customer.name}}, thanks for writing.', none)).toBe('Hi, thanks for writing.');
    expect(renderCanned('Thanks {{customer.name}}!', none)).toBe('Thanks!');
    expect(renderCanned('Dear {{customer.name}}\nYour order shipped.', none)).toBe('Dear\nYour order shipped.');
    expect(renderCanned('Dear {{customer.name}}', none)).toBe('Dear');
    expect(renderCanned('Dear {{customer.name}} .', none)).toBe('Dear.');
  });

  it('between words, one space stays; at the start of a line, the separator after it goes too', () => {
    const none = { conversationId };
    expect(renderCanned('Hi {{agent.name}} here', none)).toBe('Hi here');
    expect(renderCanned('Hi{{agent.name}} here', none)).toBe('Hi here');
    expect(renderCanned('{{customer.name}}, your order shipped.', none)).toBe('your order shipped.');
    expect(renderCanned('Hello!\n{{customer.name}}: your order shipped.', none)).toBe('Hello!\nyour order shipped.');
    expect(renderCanned('Hi {{customer.name}} {{agent.name}}!', none)).toBe('Hi!');
    expect(renderCanned('Regards,\n  {{agent.name}}', none)).toBe('Regards,\n  ');
  });

  it('leaves unknown placeholders as written, and does not read placeholders inside the values', () => {
    expect(renderCanned('Hi {{customer.nmae}} and {{ }}', { ...everyone, customerName: null })).toBe('Hi {{customer.nmae}} and {{ }}');
    expect(renderCanned('Hi {{customer.name}}', { customerName: '{{agent.name}}', agentName: 'Li', conversationId })).toBe('Hi {{agent.name}}');
  });

  it('leaves text without placeholders alone, braces and all', () => {
    for (const text of ['', 'Plain text.', 'A { brace } and {single}', '{{', '}} {{ x', 'Tabs\tand\nlines\r\n']) expect(renderCanned(text, everyone)).toBe(text);
  });
});

describe('unknownPlaceholders finds what an admin mistyped', () => {
  it('finds none in a text using only the known ones', () => {
    expect(unknownPlaceholders(PLACEHOLDERS.map((p) => `{{${p}}} {{ ${p} }}`).join(' '))).toEqual([]);
    expect(unknownPlaceholders('No placeholders, { braces } only')).toEqual([]);
  });

  it('names each unknown one once, as written, in order', () => {
    expect(unknownPlaceholders('Hi {{customer.nmae}}, {{Agent.Name}} here {{customer.nmae}} {{}}')).toEqual(['{{customer.nmae}}', '{{Agent.Name}}', '{{}}']);
  });
});
