import { describe, expect, it } from 'vitest';
import { ConfigError, CONFIG_ENV_VARS, loadConfig } from '../../../src/config/load.ts';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;

describe('secrets and container paths from the environment', () => {
  it('given each secret variable, then it sets its key', () => {
    const config = loadConfig({
      env: {
        API_KEYS_JSON: JSON.stringify({ 'key-acme-0123456789abcdef': 'acme' }),
        SESSION_SECRET: 's'.repeat(40),
        LINK_SECRET: 'l'.repeat(20),
        TWILIO_ACCOUNTS_JSON: JSON.stringify({ [SID]: { tenant: 'acme', authToken: 'token', from: '+15005550006' } }),
        META_APP_SECRET: 'app-secret',
        META_VERIFY_TOKEN: 'verify-token',
        META_ROUTES_JSON: JSON.stringify({ '106540352242922': { tenant: 'acme', accessToken: 'EAAG-token' } }),
        EMAIL_WEBHOOK_PASSWORD: 'relay-password',
        WEBHOOK_SUBSCRIPTIONS_JSON: JSON.stringify([{ id: 'crm', tenant: 'acme', url: 'https://crm.example.com/hooks', secret: 'w'.repeat(16), events: ['conversation.*'] }]),
        ATTACHMENTS_DIR: '/var/lib/cs/attachments',
        PUBLIC_URL: 'https://cs.example.com',
      },
    });
    expect(config.http.apiKeys).toEqual({ 'key-acme-0123456789abcdef': 'acme' });
    expect(config.http.sessions.secret).toBe('s'.repeat(40));
    expect(config.http.linkSecret).toBe('l'.repeat(20));
    expect(config.channels.twilio.accounts).toEqual({ [SID]: { tenant: 'acme', authToken: 'token', from: '+15005550006' } });
    expect(config.channels.meta).toMatchObject({ appSecret: 'app-secret', verifyToken: 'verify-token', routes: { '106540352242922': { tenant: 'acme', accessToken: 'EAAG-token' } } });
    expect(config.channels.email.webhookPassword).toBe('relay-password');
    expect(config.webhooks.subscriptions.map((s) => s.id)).toEqual(['crm']);
    expect(config.channels.attachments.dir).toBe('/var/lib/cs/attachments');
    expect(config.channels.publicUrl).toBe('https://cs.example.com');
    expect(CONFIG_ENV_VARS).toEqual(expect.arrayContaining(['API_KEYS_JSON', 'SESSION_SECRET', 'LINK_SECRET', 'ATTACHMENTS_DIR', 'CS_CONFIG_DIR']));
  });

  it('given an empty variable (compose passes `${X:-}` so), then the file\'s value stays', () => {
    const config = loadConfig({ env: { API_KEYS_JSON: '', META_APP_SECRET: '', ATTACHMENTS_DIR: '' } });
    expect(config.http.apiKeys).toEqual({});
    expect(config.channels.attachments.dir).toBe('.stack/attachments');
  });

  it('given JSON that does not parse, then the error names the variable and the shape, and never quotes the value', () => {
    const secret = '{"key-acme-0123456789abcdef": acme}';
    const error = captured(() => loadConfig({ env: { API_KEYS_JSON: secret } }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/API_KEYS_JSON is not valid JSON; it takes a JSON object such as/);
    expect(error.message).not.toContain('0123456789abcdef');
  });

  it('given JSON of the wrong shape, then the error says which shape it takes', () => {
    expect(() => loadConfig({ env: { TWILIO_ACCOUNTS_JSON: '[]' } })).toThrow(/TWILIO_ACCOUNTS_JSON is a JSON array; it takes a JSON object/);
    expect(() => loadConfig({ env: { WEBHOOK_SUBSCRIPTIONS_JSON: '{}' } })).toThrow(/WEBHOOK_SUBSCRIPTIONS_JSON is a JSON object; it takes a JSON array/);
  });

  it('given an API key too short, then the error names it by position, says the rule and the variable, and never shows the key', () => {
    const error = captured(() => loadConfig({ env: { API_KEYS_JSON: JSON.stringify({ 'key-acme-0123456789abcdef': 'acme', 'short-secret': 'acme' }) } }));
    expect(error.message).toContain('http.apiKeys.<key #2>: API keys are at least 16 characters (from API_KEYS_JSON)');
    expect(error.message).not.toContain('short-secret');
  });

  it('given a bad entry in a JSON record, then the error names the key inside it and the variable', () => {
    const error = captured(() => loadConfig({ env: { TWILIO_ACCOUNTS_JSON: JSON.stringify({ [SID]: { tenant: 'acme', from: '+15005550006' } }) } }));
    expect(error.message).toMatch(new RegExp(`channels\\.twilio\\.accounts\\.${SID}\\.authToken: .* \\(from TWILIO_ACCOUNTS_JSON\\)`));
    expect(() => loadConfig({ env: { SESSION_SECRET: 'too-short' } })).toThrow(/http\.sessions\.secret: at least 32 characters \(from SESSION_SECRET\)/);
  });
});

function captured(run: () => unknown): Error {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
