import { describe, expect, it } from 'vitest';
import { checkOutboundAttachments, sendApiKindOf, whatsappKindOf, type AttachmentTarget, type OutgoingFile } from '../../../src/domain/outbound-attachments.ts';

const MB = 1_000_000;
const file = (filename: string, contentType: string, size: number): OutgoingFile => ({ filename, contentType, size });
const png = (size = 200_000) => file('receipt.png', 'image/png', size);
const pdf = (size = 300_000) => file('invoice.pdf', 'application/pdf', size);
const limits = { maxBytes: 10 * 1024 * 1024 };

const SMS: AttachmentTarget = { channel: 'sms', provider: 'twilio' };
const WHATSAPP: AttachmentTarget = { channel: 'social', provider: 'whatsapp' };
const TWILIO_WHATSAPP: AttachmentTarget = { channel: 'social', provider: 'twilio-whatsapp' };
const MESSENGER: AttachmentTarget = { channel: 'social', provider: 'messenger' };
const INSTAGRAM: AttachmentTarget = { channel: 'social', provider: 'instagram' };
const EMAIL: AttachmentTarget = { channel: 'email', provider: 'sendgrid' };
const CHAT: AttachmentTarget = { channel: 'chat', provider: 'webchat' };

describe('checkOutboundAttachments', () => {
  it('takes no files anywhere, even where no files can go', () => {
    expect(checkOutboundAttachments({ channel: 'social', provider: 'twitter' }, [], limits)).toEqual({ ok: true });
  });

  it('takes a PNG and a PDF on every channel we send files on, but Instagram refuses the PDF', () => {
    for (const target of [SMS, WHATSAPP, TWILIO_WHATSAPP, MESSENGER, EMAIL, CHAT]) expect(checkOutboundAttachments(target, [png(), pdf()], limits), target.provider).toEqual({ ok: true });
    expect(checkOutboundAttachments(INSTAGRAM, [png(), pdf()], limits)).toEqual({
      ok: false,
      channel: 'Instagram',
      attachment: 'invoice.pdf',
      message: '"invoice.pdf" cannot go out on Instagram: Instagram takes images (JPEG, PNG, GIF), video and audio only, not application/pdf',
    });
  });

  it('Twilio MMS: refuses a type Twilio does not accept, and more than 5 MB together, naming the rule', () => {
    expect(checkOutboundAttachments(SMS, [file('setup.exe', 'application/x-msdownload', 1000)], limits)).toMatchObject({
      ok: false,
      attachment: 'setup.exe',
      message: expect.stringMatching(/^"setup\.exe" cannot go out on SMS \(Twilio MMS\): .*not application\/x-msdownload$/),
    });
    expect(checkOutboundAttachments(SMS, [png(3 * MB), pdf(2.5 * MB)], limits)).toEqual({
      ok: false,
      channel: 'SMS (Twilio MMS)',
      message: 'the attachments are 5.5 MB together and cannot go out on SMS (Twilio MMS): Twilio MMS takes at most 5 MB of media a message',
    });
    // Parameters do not change the type: Twilio lists audio/ogg.
    expect(checkOutboundAttachments(SMS, [file('note.ogg', 'audio/ogg; codecs=opus', 1000), file('card.vcf', 'text/vcard', 300)], limits)).toEqual({ ok: true });
  });

  it('WhatsApp: each kind has its own limit, and any other type goes as a document up to 100 MB', () => {
    expect(checkOutboundAttachments(WHATSAPP, [png(5 * MB + 1)], limits)).toMatchObject({ ok: false, message: '"receipt.png" cannot go out on WhatsApp: it is 5.0 MB and WhatsApp takes images (JPEG, PNG) up to 5 MB' });
    expect(checkOutboundAttachments(WHATSAPP, [file('clip.mp4', 'video/mp4', 16 * MB)], limits)).toEqual({ ok: true });
    expect(checkOutboundAttachments(WHATSAPP, [file('clip.mp4', 'video/mp4', 16 * MB + 1)], limits)).toMatchObject({ ok: false, attachment: 'clip.mp4' });
    expect(checkOutboundAttachments(WHATSAPP, [file('hi.webp', 'image/webp', 600_000)], limits)).toMatchObject({ ok: false, message: expect.stringContaining('stickers (WebP) up to 500 KB') });
    expect(checkOutboundAttachments(WHATSAPP, [file('scan.gif', 'image/gif', 90 * MB)], limits)).toEqual({ ok: true });
    expect(checkOutboundAttachments(WHATSAPP, [file('big.zip', 'application/zip', 101 * MB)], limits)).toMatchObject({ ok: false, message: expect.stringContaining('documents up to 100 MB') });
  });

  it('WhatsApp through Twilio: WhatsApp’s rules, and Twilio’s 16 MB a media on top', () => {
    expect(checkOutboundAttachments(TWILIO_WHATSAPP, [file('manual.pdf', 'application/pdf', 20 * MB)], limits)).toEqual({
      ok: false,
      channel: 'WhatsApp (through Twilio)',
      attachment: 'manual.pdf',
      message: '"manual.pdf" cannot go out on WhatsApp (through Twilio): it is 20.0 MB and Twilio takes WhatsApp media up to 16 MB',
    });
  });

  it('Messenger takes any file up to 25 MB; Instagram images up to 8 MB, video and audio up to 25 MB', () => {
    expect(checkOutboundAttachments(MESSENGER, [file('a.zip', 'application/zip', 25 * MB)], limits)).toEqual({ ok: true });
    expect(checkOutboundAttachments(MESSENGER, [file('a.zip', 'application/zip', 25 * MB + 1)], limits)).toMatchObject({ ok: false, message: expect.stringContaining('Messenger takes files up to 25 MB') });
    expect(checkOutboundAttachments(INSTAGRAM, [png(8 * MB + 1)], limits)).toMatchObject({ ok: false, message: expect.stringContaining('Instagram takes images up to 8 MB') });
    expect(checkOutboundAttachments(INSTAGRAM, [file('clip.mov', 'video/quicktime', 20 * MB), file('v.m4a', 'audio/mp4', 1000)], limits)).toEqual({ ok: true });
  });

  it('e-mail: the deployment’s limit for all files together; chat: for each file', () => {
    const half = file('half.bin', 'application/octet-stream', limits.maxBytes / 2 + 1);
    expect(checkOutboundAttachments(EMAIL, [half, half], limits)).toMatchObject({ ok: false, channel: 'e-mail', message: expect.stringContaining('e-mail takes at most 10.5 MB of attachments a message') });
    expect(checkOutboundAttachments(CHAT, [half, half], limits)).toEqual({ ok: true });
    expect(checkOutboundAttachments(CHAT, [file('big.bin', 'application/octet-stream', limits.maxBytes + 1)], limits)).toMatchObject({ ok: false, channel: 'web chat', attachment: 'big.bin' });
  });

  it('refuses more than ten files, and files on a provider we send none through', () => {
    expect(checkOutboundAttachments(MESSENGER, Array.from({ length: 11 }, () => png()), limits)).toMatchObject({ ok: false, message: 'a reply carries at most 10 attachments, not 11' });
    expect(checkOutboundAttachments({ channel: 'social', provider: 'twitter' }, [png()], limits)).toMatchObject({ ok: false, message: expect.stringContaining('cannot carry attachments') });
  });
});

describe('what a file goes out as', () => {
  it('WhatsApp: image, video, audio, sticker, else document', () => {
    expect(['image/jpeg', 'image/png', 'video/3gpp', 'audio/ogg; codecs=opus', 'image/webp', 'image/gif', 'application/pdf'].map(whatsappKindOf)).toEqual(['image', 'image', 'video', 'audio', 'sticker', 'document', 'document']);
  });

  it('Send API: image, video, audio, else file', () => {
    expect(['image/gif', 'video/mp4', 'audio/mpeg', 'application/pdf'].map(sendApiKindOf)).toEqual(['image', 'video', 'audio', 'file']);
  });
});
