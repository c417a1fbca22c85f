import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an e-mail survey link answers: enough to publish survey.answered without a lookup. */
export interface SurveyLinkClaim {
  tenant: string;
  customer: string;
  conversation: string;
  surveyId: string;
  kind: 'csat' | 'nps';
}

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

/** An unguessable token for one survey: the claim, signed (HMAC-SHA256), in base64url. */
export function surveyToken(secret: string, claim: SurveyLinkClaim): string {
  const payload = Buffer.from(JSON.stringify([claim.tenant, claim.customer, claim.conversation, claim.surveyId, claim.kind])).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/** The claim of a token this deployment signed, or null (tampered, truncated, another secret). */
export function readSurveyToken(secret: string, token: string): SurveyLinkClaim | null {
  const [payload, signature] = token.split('.');
  if (!payload || !signature) return null;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const [tenant, customer, conversation, surveyId, kind] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as string[];
    if (!tenant || !customer || !conversation || !surveyId || (kind !== 'csat' && kind !== 'nps')) return null;
    return { tenant, customer, conversation, surveyId, kind };
  } catch {
    return null;
  }
}

export const surveyLink = (publicUrl: string, token: string, score: number) => `${withoutCredentials(publicUrl).replace(/\/$/, '')}/v1/surveys/answer?t=${encodeURIComponent(token)}&score=${score}`;

/**
 * The public URL as a customer may see it: a `user:pass@` in it (basic auth in front of the
 * providers' webhooks, which Twilio signs with) never goes into a survey link.
 */
function withoutCredentials(publicUrl: string): string {
  if (!publicUrl.includes('@')) return publicUrl;
  const url = new URL(publicUrl);
  url.username = '';
  url.password = '';
  return url.href;
}
