import { describe, expect, it } from 'vitest';
import { FETCHED_MESSAGES_KEPT, mediaIn } from '../../../src/domain/fold/media.ts';
import { withOutcomes } from '../../../src/projections/views.ts';
import { MINUTE, customerWrote, fold, given, mediaFailed, mediaStored, plus } from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const at = (ms: number) => plus(T0, ms);
const KEY = 'a'.repeat(64);
const EMAILED = 'b'.repeat(64);
const MEDIA_URL = 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1';

const mms = customerWrote('Photo of the damage', at(0), {
  id: 'm1',
  channel: 'sms',
  provider: 'twilio',
  handle: '+14155550199',
  attachments: [
    { filename: 'ME1.jpg', contentType: 'image/jpeg', size: 0, storageKey: MEDIA_URL },
    { filename: 'ME2', contentType: 'application/octet-stream', size: 0, storageKey: `${MEDIA_URL}2` },
  ],
});
const stored = mediaStored('m1', 0, at(2000), { key: KEY, size: 48_213, contentType: 'image/jpeg' }, { id: 'f-stored' });
const failed = mediaFailed('m1', 1, at(9000), 'HTTP 404 from api.twilio.com', { id: 'f-failed' });

/** The lines of cv_m1 as `GET /v1/conversations/:id` shows them. */
const view = (events: Parameters<typeof fold>[0]) => {
  const { state, effects } = fold(events);
  return withOutcomes(
    effects.transcript.map((t) => t.entry),
    { delivery: new Map(), media: mediaIn(state.media, 'cv_m1') },
  );
};

describe('files a provider keeps', () => {
  it('given an MMS, its line lists the files without a key (being fetched): provider URLs are never shown', () => {
    expect(view([mms])[0]!.attachments).toEqual([
      { filename: 'ME1.jpg', contentType: 'image/jpeg', size: 0 },
      { filename: 'ME2', contentType: 'application/octet-stream', size: 0 },
    ]);
  });

  it('given an e-mail whose files the door stored, the line carries their keys at once and nothing waits for a fetch', () => {
    const mail = customerWrote('Invoice attached', at(0), { id: 'e1', channel: 'email', provider: 'smtp', attachments: [{ filename: 'invoice.pdf', contentType: 'application/pdf', size: 12_000, storageKey: EMAILED }] });
    given(mail).then(({ state, effects }) => {
      expect(effects.transcript[0]!.entry.attachments).toEqual([{ filename: 'invoice.pdf', contentType: 'application/pdf', size: 12_000, key: EMAILED }]);
      expect(state.media).toBeUndefined();
    });
  });

  it('when a file is stored and another given up, the line shows the key, real size and type, and the reason; the change is announced on the conversation', () => {
    given(mms)
      .when(stored)
      .then(({ effects }) => expect(effects.delivery).toEqual([{ eventId: 'f-stored', conversationId: 'cv_m1', messageId: 'm1' }]));
    expect(view([mms, stored, failed])[0]!.attachments).toEqual([
      { filename: 'ME1.jpg', contentType: 'image/jpeg', size: 48_213, key: KEY },
      { filename: 'ME2', contentType: 'application/octet-stream', size: 0, unavailable: 'HTTP 404 from api.twilio.com' },
    ]);
  });

  it('a stored file stays stored: a late failure (a retry that lost the race), a repeat, or an outcome for a message it never saw changes nothing', () => {
    const lateFailure = mediaFailed('m1', 0, at(5000), 'timed out', { id: 'f-late' });
    given(mms, stored)
      .when(lateFailure, mediaStored('m1', 0, at(6000), { key: KEY, size: 48_213, contentType: 'image/jpeg' }, { id: 'f-again' }), mediaStored('nope', 0, at(7000), { key: KEY, size: 1, contentType: 'image/png' }))
      .then(({ effects }) => expect(effects.delivery).toEqual([]));
    expect(view([mms, stored, lateFailure])[0]!.attachments?.[0]).toEqual({ filename: 'ME1.jpg', contentType: 'image/jpeg', size: 48_213, key: KEY });
  });

  it(`keeps the outcomes of the latest ${FETCHED_MESSAGES_KEPT} messages with provider files`, () => {
    const many = Array.from({ length: FETCHED_MESSAGES_KEPT + 1 }, (_, i) =>
      customerWrote(`photo ${i}`, at(i * MINUTE), { id: `p${i}`, channel: 'sms', provider: 'twilio', handle: '+14155550199', attachments: [{ filename: 'x', contentType: 'image/png', size: 0, storageKey: `${MEDIA_URL}/${i}` }] }),
    );
    const { state } = fold(many);
    expect(state.media?.messages).toHaveLength(FETCHED_MESSAGES_KEPT);
    expect(state.media?.messages[0]!.message).toBe('p1');
  });
});
