import type { ChannelRoutes } from './context.ts';

/**
 * Every channel's HTTP routes. Each adapter lives in its own folder and adds one line here.
 */
export const channelRoutes: ChannelRoutes[] = [
  // twilio
  // meta
  // email
  // chat
  // agent actions and outbound
];
