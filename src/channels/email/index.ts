/** The e-mail channel: SMTP listener (the smtp role, src/roles/smtp.ts) and the inbound webhook (channel routes). */
export { startSmtpListener, type SmtpListener } from './smtp.ts';
export { emailRoutes } from './webhook.ts';
