// Valid envelopes as an adapter would publish them (plain JSON, not yet parsed).
export const receivedEnvelope = () => ({
  specversion: '1.0',
  id: '3f1c9e0a7b2d4c58a9e6f0b1c2d3e4f5',
  source: '/adapters/twilio',
  type: 'message.received',
  time: '2025-03-04T09:15:27.120+01:00',
  tenant: 'acme',
  customer: 'cus_8f2k1',
  data: {
    channel: 'sms',
    provider: 'twilio',
    handle: '+4915112345678',
    text: 'My parcel has not arrived yet.',
    providerMessageId: 'SM0a1b2c3d4e5f',
  },
});

export const sentEnvelope = () => ({
  specversion: '1.0',
  id: 'V1StGXR8_Z5jdHi6B-myT',
  source: '/workers/outbound',
  type: 'message.sent',
  time: '2025-03-04T08:21:03Z',
  tenant: 'acme',
  customer: 'cus_8f2k1',
  conversation: 'conv_51x',
  causationid: '3f1c9e0a7b2d4c58a9e6f0b1c2d3e4f5',
  correlationid: '3f1c9e0a7b2d4c58a9e6f0b1c2d3e4f5',
  dataversion: 1,
  data: {
    channel: 'sms',
    provider: 'twilio',
    author: { kind: 'agent', id: 'agent_17' },
    text: 'Sorry about that, it ships today.',
  },
});
