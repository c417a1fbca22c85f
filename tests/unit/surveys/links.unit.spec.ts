import { describe, expect, it } from 'vitest';
import { surveyLink } from '../../../src/surveys/links.ts';

describe('a survey link', () => {
  it('given a public URL, then the link is the answer route under it with the token and score', () => {
    expect(surveyLink('https://cs.example.test/', 'tok en', 4)).toBe('https://cs.example.test/v1/surveys/answer?t=tok%20en&score=4');
  });

  it('given a public URL with basic-auth credentials (for the webhooks), then the link a customer gets carries none of them', () => {
    const link = surveyLink('https://twilio:s3cret@cs.example.test:8443', 'abc', 5);

    expect(link).toBe('https://cs.example.test:8443/v1/surveys/answer?t=abc&score=5');
    expect(link).not.toContain('s3cret');
  });
});
