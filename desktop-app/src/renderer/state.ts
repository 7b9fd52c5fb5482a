/** The UI's state: plain view data from the core worker plus what is on screen. */
import type { ErrorInfo } from '@circle/protocol';
import type { Settings } from '../shared/settings.js';
import type { CircleInfo, ConnectionStateView, ConversationView, MemberView, MessageView } from '../shared/worker-api.js';

export interface UiState {
  info?: CircleInfo;
  members: MemberView[];
  conversations: ConversationView[];
  activeKey?: string;
  connection: { state: ConnectionStateView; error?: ErrorInfo };
  typing: Map<string, { name: string; until: number }>;
  progress: Map<string, { done: number; total: number; direction: 'up' | 'down' }>;
  /** Per message: its decoded preview, or 'loading', or 'none' (not previewable: never fetched again). */
  previews: Map<string, ImageBitmap | 'loading' | 'none'>;
  settings: Settings;
  replyTo?: MessageView;
  editing?: MessageView;
}

export const CONNECTION_TEXT: Record<ConnectionStateView, string> = {
  connecting: 'Connecting…',
  online: 'Online',
  offline: 'Offline — reconnecting…',
  unreachable: 'Relay unreachable — retrying',
  revoked: 'Identity revoked',
  rejected: 'Refused by the relay',
  closed: 'Disconnected',
};
