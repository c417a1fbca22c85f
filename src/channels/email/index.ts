/** The e-mail channel: SMTP listener (workers/smtp.ts) and the inbound webhook (channel routes). */
export { startSmtpListener, type SmtpListener } from './smtp.ts';
export { emailRoutes } from './webhook.ts';
