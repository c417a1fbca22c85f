/**
 * Simulated customers: each writes through a real door (SMTP, Twilio's signed SMS webhook, Meta's
 * signed WhatsApp webhook, the chat widget), reads what comes back on their own device, and reacts
 * like a person: content with the bot's answer or asking for a human, thanking the agent, answering
 * the survey with a digit or by opening the e-mail's score link.
 */
import { randomBytes } from 'node:crypto';
import { postAsMeta, postAsTwilio, postChatMessage, twilioInboundSms, whatsappTextWebhook, type DoorAnswer } from '../sim/doors.ts';
import { seededRandom } from '../sim/random.ts';
import { SUPPORT_ADDRESS } from './deployment.ts';
import type { Delivery } from './inbox.ts';
import { ASK_FOR_HUMAN, FOLLOW_UPS, type Persona } from './script.ts';
import type { World } from './world.ts';

const REPLY_WAIT_MS = 45_000;
const SURVEY_WAIT_MS = 30_000;

interface Device {
  /** The inbox key of what the engine sends this customer. */
  inbox: string;
  send(text: string, inReplyTo?: Delivery): Promise<void>;
  close(): void;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A phone number in the customer's country (E.164): US, Russian and Chinese mobiles. */
function phoneOf(p: Persona): string {
  if (p.language === 'ru') return `+7916${pad(p.n, 7)}`;
  if (p.language === 'zh') return `+86138${pad(p.n, 8)}`;
  return `+1415555${pad(1000 + p.n, 4)}`;
}

async function accepted(door: string, send: () => Promise<DoorAnswer>, ok: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const answer = await send();
    if (answer.status === ok) return;
    // 503: not on the log yet (Kafka busy); the provider would retry, so do we.
    if (answer.status !== 503 || attempt === 5) throw new Error(`${door} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function deviceOf(w: World, p: Persona): Promise<Device> {
  const d = w.deployment;
  if (p.channel === 'email') {
    const address = `${p.name.normalize('NFKD').replace(/[^A-Za-z ]/g, '').trim().toLowerCase().replace(/\s+/g, '.') || 'customer'}.${p.n}@example.com`;
    w.handles.push(address);
    const subject = p.opening.length > 60 ? `${p.opening.slice(0, 57)}...` : p.opening;
    return {
      inbox: `mail:${address}`,
      send: async (text, inReplyTo) => {
        await w.mail.send({
          from: `${p.name} <${address}>`,
          to: inReplyTo?.replyTo || SUPPORT_ADDRESS,
          subject: inReplyTo ? `Re: ${inReplyTo.subject ?? subject}` : subject,
          text,
          ...(inReplyTo?.messageId ? { inReplyTo: inReplyTo.messageId } : {}),
        });
      },
      close: () => undefined,
    };
  }
  if (p.channel === 'sms') {
    const phone = phoneOf(p);
    w.handles.push(phone);
    return {
      inbox: `sms:${phone}`,
      send: (text) =>
        accepted('the Twilio SMS webhook', () => postAsTwilio(d.url, d.url, d.twilio.authToken, '/webhooks/twilio/sms', twilioInboundSms({ accountSid: d.twilio.accountSid, messageSid: `SM${randomBytes(16).toString('hex')}`, from: phone, to: d.twilio.number, body: text })), 200),
      close: () => undefined,
    };
  }
  if (p.channel === 'whatsapp') {
    const waId = phoneOf(p).slice(1);
    w.handles.push(`+${waId}`);
    return {
      inbox: `wa:${waId}`,
      send: (text) =>
        accepted(
          'the Meta webhook',
          () =>
            postAsMeta(
              d.url,
              d.meta.appSecret,
              whatsappTextWebhook({ wabaId: d.meta.wabaId, phoneNumberId: d.meta.phoneNumberId, displayPhoneNumber: '15550783881', waId, name: p.name, messageId: `wamid.${randomBytes(12).toString('hex').toUpperCase()}`, text, timestamp: Math.floor(Date.now() / 1000) }),
            ),
          200,
        ),
      close: () => undefined,
    };
  }
  const token = `visitor-${d.run}-${p.n}-${randomBytes(6).toString('hex')}`;
  w.handles.push(token);
  const close = await w.inboxes.openChat(d.url, d.widgetKey, token);
  let sent = 0;
  return {
    inbox: `chat:${token}`,
    send: (text) => accepted('the chat door', () => postChatMessage(d.url, { widgetKey: d.widgetKey, visitorToken: token, text, clientMessageId: `m${++sent}` }), 202),
    close,
  };
}

/** Tells apart, as a reader would, the bot's answers and hand-off notes, survey invitations and people's replies. */
export function readers(w: World) {
  const settings = w.deployment.settings;
  const titles = settings.knowledgeBase.map((a) => a.title);
  const handoffs = Object.values(settings.bot.handoffMessage);
  const isSurvey = (d: Delivery) => d.text.includes('/v1/surveys/answer') || /1\s?[(（][^]*5\s?[(（]/.test(d.text);
  const isBot = (d: Delivery) => d.authorKind === 'bot' || titles.some((t) => d.text.startsWith(t)) || handoffs.some((h) => d.text.trim() === h.trim());
  const isPerson = (d: Delivery) => !isSurvey(d) && !isBot(d) && (d.authorKind === undefined || d.authorKind === 'agent');
  return { isSurvey, isBot, isPerson };
}

const label = (p: Persona) => `${p.channel.padEnd(8)} ${p.language} ${p.scenario.padEnd(9)}`;

/** One customer's journey, start to survey. Never throws: a failure is a line and a counter. */
export async function customerJourney(w: World, p: Persona): Promise<void> {
  const r = seededRandom(p.n * 7919);
  const think = (fromS: number, toS: number) => w.sleep((fromS + r.next() * (toS - fromS)) * 1000);
  const { isSurvey, isBot, isPerson } = readers(w);
  await w.sleep(p.startAt * 1000);
  if (w.stopping) return;
  w.counters.customersStarted++;
  let device: Device | undefined;
  const who = `#${p.n} ${label(p)}`;
  const waitFor = (what: string) => w.waiting.set(who, what);
  try {
    device = await deviceOf(w, p);
    const me = device;
    await me.send(p.opening);
    if (p.scenario === 'legal') w.say(`#${p.n} ${label(p)} writes "${p.opening.slice(0, 60)}…" (a legal threat)`);

    waitFor('a first reply');
    let reply = await w.inboxes.next(me.inbox, (d) => !isSurvey(d), REPLY_WAIT_MS);
    if (reply && isBot(reply)) {
      w.counters.botAnswers++;
      if (p.afterBot === 'content') return;
      await think(2, 4);
      await me.send(ASK_FOR_HUMAN[p.language]);
      waitFor('a person after the bot');
      reply = await w.inboxes.next(me.inbox, isPerson, REPLY_WAIT_MS);
    }
    if (!reply) {
      w.counters.gaveUp++;
      w.say(`#${p.n} ${label(p)} gave up waiting for ${w.waiting.get(who) ?? 'an answer'}`);
      return;
    }

    await think(2, 5);
    await me.send(r.pick(FOLLOW_UPS[p.language]), reply);
    waitFor('the survey');
    const survey = await w.inboxes.next(me.inbox, isSurvey, SURVEY_WAIT_MS);
    if (!survey || p.score === null) return;
    await think(1.5, 4);
    if (p.channel === 'email') {
      const link = new RegExp(`^${p.score}: (\\S+)$`, 'm').exec(survey.text)?.[1];
      if (!link) throw new Error('the survey mail has no score links');
      const opened = await fetch(link);
      if (opened.status !== 200) throw new Error(`the score link answered ${opened.status}`);
    } else {
      await me.send(String(p.score));
    }
    w.counters.surveysAnswered++;
    if (p.score <= 2) w.say(`#${p.n} ${label(p)} rated ${p.score}/5: a follow-up opens for the supervisors`);
  } catch (err) {
    w.say(`#${p.n} ${label(p)} failed: ${(err as Error).message}`);
  } finally {
    device?.close();
    w.waiting.delete(who);
    w.counters.customersDone++;
  }
}
