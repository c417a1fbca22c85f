/**
 * Our attachment store's keys are the SHA-256 of the content, in hex. Any other `storageKey` on a
 * `message.received` attachment is the provider's reference (a Twilio or Messenger URL, a WhatsApp
 * media id): the bytes are still at the provider, to be fetched into the store.
 */
export const STORED_KEY = /^[0-9a-f]{64}$/;

/** Whether an attachment's `storageKey` names bytes in our store. */
export const isStoredKey = (key: string | undefined): key is string => key !== undefined && STORED_KEY.test(key);
