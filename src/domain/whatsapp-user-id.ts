/**
 * A WhatsApp business-scoped user id (BSUID), as Meta documents it: the user's two-letter ISO
 * country code, a period, up to 128 alphanumerics (`US.13491208655302741918`). WhatsApp gives it
 * for every user, and alone for users who hide their number behind a username. Here,
 * below the doors and the connectors, because both read it: a handle of this shape is the user id.
 */
export const WHATSAPP_USER_ID = /^[A-Z]{2}\.[A-Za-z0-9]{1,128}$/;
