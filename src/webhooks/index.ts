/** What a subscriber (or a test standing in for one) needs: how deliveries are signed and identified. */
export { verifyWebhookSignature, signWebhook, WEBHOOK_HEADERS, DEFAULT_TOLERANCE_SECONDS, type WebhookVerification, type WebhookVerificationInput } from './signature.ts';
export { webhookDeliveryId } from './delivery.ts';
