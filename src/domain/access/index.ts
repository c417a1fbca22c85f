export * from './permissions.ts';
export * from './conversation-access.ts';
