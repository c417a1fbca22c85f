import { describe, expect, it } from 'vitest';
import type { FormParams } from '../../../src/channels/twilio/form.ts';
import { parseInbound, UNKNOWN_MEDIA_TYPE } from '../../../src/channels/twilio/inbound.ts';

// An inbound SMS/MMS with a media field missing or malformed keeps its text and what can be kept of
// its media, and names what was missing. Only what identifies the message is required.
const receivedAt = new Date('2026-01-05T12:00:00.000Z');
const MEDIA = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media';
const url = (n: number) => `${MEDIA}/ME${n}${'0'.repeat(31)}`;
const form = (fields: Record<string, string>): FormParams => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, [v]]));
const inbound = (fields: Record<string, string>) => parseInbound(form({ MessageSid: 'MM1', From: '+14155550123', Body: 'see the photo', NumMedia: '0', ...fields }), 'acme', receivedAt);

function taken(fields: Record<string, string>) {
  const parsed = inbound(fields);
  if (!parsed.ok) throw new Error(`refused: ${parsed.reason}`);
  return parsed;
}

describe('an inbound Twilio message whose media fields do not add up', () => {
  it('given a complete MMS: every media kept with its type, and nothing to report', () => {
    const { message, problems } = taken({ NumMedia: '2', MediaUrl0: url(1), MediaContentType0: 'image/jpeg', MediaUrl1: url(2), MediaContentType1: 'application/pdf' });
    expect(message.attachments).toEqual([
      { filename: `ME1${'0'.repeat(31)}.jpeg`, contentType: 'image/jpeg', size: 0, storageKey: url(1) },
      { filename: `ME2${'0'.repeat(31)}.pdf`, contentType: 'application/pdf', size: 0, storageKey: url(2) },
    ]);
    expect(problems).toEqual([]);
  });

  it('given MediaUrl0 without MediaContentType0: the text, the media as application/octet-stream, and the missing field named', () => {
    const { message, problems } = taken({ NumMedia: '1', MediaUrl0: url(1) });
    expect(message.text).toBe('see the photo');
    expect(message.attachments).toEqual([{ filename: `ME1${'0'.repeat(31)}`, contentType: UNKNOWN_MEDIA_TYPE, size: 0, storageKey: url(1) }]);
    expect(problems).toEqual(['MediaContentType0 is missing: media 0 kept as application/octet-stream']);
  });

  it('given a MediaContentType that is not a MIME type: kept as application/octet-stream, the value quoted', () => {
    const { message, problems } = taken({ NumMedia: '1', MediaUrl0: url(1), MediaContentType0: 'jpeg' });
    expect(message.attachments?.[0]?.contentType).toBe(UNKNOWN_MEDIA_TYPE);
    expect(problems).toEqual(['MediaContentType0 is not a MIME type ("jpeg"): media 0 kept as application/octet-stream']);
  });

  it('given a MediaContentType1 without its MediaUrl1: media 1 left out (nothing to fetch), media 0 and the text kept', () => {
    const { message, problems } = taken({ NumMedia: '2', MediaUrl0: url(1), MediaContentType0: 'image/png', MediaContentType1: 'image/gif' });
    expect(message.text).toBe('see the photo');
    expect(message.attachments?.map((a) => a.storageKey)).toEqual([url(1)]);
    expect(problems).toEqual(['MediaUrl1 is missing (MediaContentType1 "image/gif"): media 1 left out', 'NumMedia is 2 but 1 MediaUrlN is present']);
  });

  it('given NumMedia lower than the media present: every MediaUrlN present is kept', () => {
    const { message, problems } = taken({ NumMedia: '1', MediaUrl0: url(1), MediaContentType0: 'image/png', MediaUrl1: url(2), MediaContentType1: 'image/png' });
    expect(message.attachments?.map((a) => a.storageKey)).toEqual([url(1), url(2)]);
    expect(problems).toEqual(['NumMedia is 1 but 2 MediaUrlN are present']);
  });

  it('given NumMedia higher than the media present: the text kept, the absent media named', () => {
    const { message, problems } = taken({ NumMedia: '2' });
    expect(message.text).toBe('see the photo');
    expect(message.attachments).toBeUndefined();
    expect(problems).toEqual(['MediaUrl0 is missing: media 0 left out', 'MediaUrl1 is missing: media 1 left out', 'NumMedia is 2 but 0 MediaUrlN are present']);
  });

  it('given NumMedia that is not a count, or missing: the media present are read all the same', () => {
    const garbled = taken({ NumMedia: 'two', MediaUrl0: url(1), MediaContentType0: 'image/png' });
    expect(garbled.message.attachments?.map((a) => a.storageKey)).toEqual([url(1)]);
    expect(garbled.problems).toEqual(['NumMedia is not a count ("two")']);
    const absent = parseInbound(form({ MessageSid: 'MM1', From: '+14155550123', Body: 'hi', MediaUrl0: url(1), MediaContentType0: 'image/png' }), 'acme', receivedAt);
    expect(absent).toMatchObject({ ok: true, problems: ['NumMedia is missing (1 MediaUrlN present)'] });
  });

  it('given a MediaUrl that no one could fetch (not http(s), or longer than the event allows): left out, named', () => {
    const long = `${MEDIA}/${'x'.repeat(1024)}`;
    const { message, problems } = taken({ NumMedia: '2', MediaUrl0: 'javascript:alert(1)', MediaContentType0: 'image/png', MediaUrl1: long, MediaContentType1: 'image/png' });
    expect(message.attachments).toBeUndefined();
    expect(problems).toEqual([
      'MediaUrl0 is not a usable URL ("javascript:alert(1)") (MediaContentType0 "image/png"): media 0 left out',
      `MediaUrl1 is not a usable URL (${JSON.stringify(long.slice(0, 40))}) (MediaContentType1 "image/png"): media 1 left out`,
    ]);
  });

  it('given no text and no media left: refused, naming why', () => {
    expect(inbound({ Body: '', NumMedia: '1', MediaContentType0: 'image/png' })).toEqual({
      ok: false,
      reason: 'Body is empty and there is no media; MediaUrl0 is missing (MediaContentType0 "image/png"): media 0 left out; NumMedia is 1 but 0 MediaUrlN are present',
    });
  });

  it('given no text but a media without its type: kept, since the media is the message', () => {
    const { message, problems } = taken({ Body: '', NumMedia: '1', MediaUrl0: url(1) });
    expect(message.text).toBe('');
    expect(message.attachments).toHaveLength(1);
    expect(problems).toHaveLength(1);
  });

  it('given no MessageSid or no From: refused, as there is no message to keep', () => {
    expect(parseInbound(form({ From: '+14155550123', Body: 'hi' }), 'acme', receivedAt)).toEqual({ ok: false, reason: 'MessageSid is missing' });
    expect(parseInbound(form({ MessageSid: 'SM1', Body: 'hi' }), 'acme', receivedAt)).toEqual({ ok: false, reason: 'From is missing' });
  });
});
