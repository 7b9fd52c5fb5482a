/** The client core: everything a member's app (or the headless CLI) needs, no UI, no Node APIs. */
export {
  CircleClient,
  type ReceivedMessage,
  type ReceivedSignal,
  type SentMessage,
  type UnsendPlan,
  type ProgressEvent,
  type OpenClientOptions,
} from './circle-client.js';
export { Directory, type Contact } from './directory.js';
export { RelayConnection, type ConnectionState } from './relay-connection.js';
export { OUTBOX_IN_FLIGHT } from './outbox.js';
export {
  Timeline,
  conversationKeyOf,
  messageKey,
  type TimelineMessage,
  type TimelineConversation,
  type DeliveryState,
} from './timeline.js';
