import { chatRoutes } from './chat/routes.ts';
import type { ChannelRoutes } from './context.ts';
import { emailRoutes } from './email/index.ts';
import { metaRoutes } from './meta/routes.ts';
import { twilioRoutes } from './twilio/routes.ts';

/**
 * Every channel's HTTP routes. Each adapter lives in its own folder and adds one line here.
 */
export const channelRoutes: ChannelRoutes[] = [
  twilioRoutes,
  metaRoutes,
  emailRoutes,
  chatRoutes,
];
