/** Where a notification can go. */
export type Channel = 'mayor' | 'webhook' | 'email';
/** The order channels are listed in (`routedTo`). */
export const CHANNEL_ORDER: readonly Channel[] = ['mayor', 'webhook', 'email'];
