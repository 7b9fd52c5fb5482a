/**
 * The contract between the renderer (UI) and the core worker, which alone holds the keys.
 * The UI sends requests and receives plain view data; no key, deletion secret or file key
 * ever crosses to the UI.
 */
import type { ErrorInfo } from '@circle/protocol';
import type { CallSignal } from '@circle/protocol';

export type ConnectionStateView = 'connecting' | 'online' | 'offline' | 'unreachable' | 'revoked' | 'rejected' | 'closed';
export type DeliveryStateView = 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'expired';

export interface MemberView {
  id: string;
  name: string;
  isMe: boolean;
  online: boolean;
  safetyNumber: string;
}

export interface FileView {
  id: string;
  name: string;
  mime: string;
  size: number;
}

export interface MessageView {
  /** The message's key (its sender and id): what requests about a message (edit, react, reply…) name. */
  id: string;
  fromId: string;
  fromName: string;
  fromMe: boolean;
  /** When the message is shown as sent: what the app observed (the sender's clock only as a hint). */
  sentAt: number;
  /** Set when the sender's clock was off (far future or backdated): what it claimed. */
  clock?: { mark: 'future' | 'backdated'; claimed: number };
  text?: string;
  file?: FileView;
  caption?: string;
  call?: { event: string; media: string; durationMs?: number };
  /** A group change, shown as a line ("Bob removed Carol"). */
  notice?: string;
  replyTo?: { id: string; fromName: string; preview: string };
  edited: boolean;
  unsent: boolean;
  reactions: { emoji: string; count: number; mine: boolean; names: string[] }[];
  state: DeliveryStateView;
  /** Per-recipient states, for groups. */
  recipients: { name: string; state: DeliveryStateView }[];
  expiresAt?: number;
  error?: string;
}

export interface ConversationView {
  key: string;
  kind: 'direct' | 'group';
  title: string;
  memberIds: string[];
  peerId?: string;
  messages: MessageView[];
  unread: number;
  lastActivity: number;
}

export interface CircleInfo {
  circleId: string;
  relayUrl: string;
  me: MemberView;
  members: MemberView[];
}

export interface WorkerRequests {
  peek: { args: { file: Uint8Array }; result: { sealed: boolean } };
  open: { args: { file: Uint8Array; passphrase?: string }; result: CircleInfo };
  openDirect: { args: { memberId: string }; result: { key: string } };
  createGroup: { args: { name: string; memberIds: string[] }; result: { key: string } };
  sendText: { args: { key: string; text: string; replyTo?: string }; result: { messageId: string } };
  sendFile: { args: { key: string; name: string; mime: string; bytes: Uint8Array; caption?: string }; result: { messageId: string } };
  cancelSend: { args: { messageId: string }; result: null };
  retry: { args: { messageId: string }; result: null };
  download: { args: { messageId: string }; result: { name: string; mime: string; bytes: Uint8Array } };
  edit: { args: { messageId: string; text: string }; result: null };
  unsend: { args: { messageId: string }; result: null };
  react: { args: { messageId: string; emoji: string }; result: null };
  markRead: { args: { key: string }; result: null };
  typing: { args: { key: string }; result: null };
  callSignal: { args: { to: string; signal: CallSignal }; result: Record<string, never> };
  callCreate: { args: { invited: string[] }; result: { roomId: string } };
  callJoin: { args: { roomId: string }; result: { members: string[] } };
  callLeave: { args: { roomId: string }; result: null };
  callLog: { args: { key: string; event: 'missed' | 'ended' | 'declined'; media: 'audio' | 'video'; durationMs?: number }; result: null };
  updateGroup: { args: { key: string; name: string; memberIds: string[] }; result: null };
  turnCredentials: { args: Record<string, never>; result: { urls: string[]; username: string; credential: string; ttlSeconds: number } };
}
export type WorkerMethod = keyof WorkerRequests;

export interface WorkerEvents {
  state: { state: ConnectionStateView; error?: ErrorInfo };
  members: MemberView[];
  conversations: ConversationView[];
  typing: { key: string; memberId: string; name: string };
  incoming: { key: string; fromName: string; text: string };
  progress: { messageId: string; done: number; total: number; direction: 'up' | 'down' };
  signal: { fromId: string; signal: CallSignal };
  callMember: { roomId: string; memberId: string; joined: boolean };
}
export type WorkerEventName = keyof WorkerEvents;

export type WorkerInbound = { id: number; method: WorkerMethod; args: unknown };
export type WorkerOutbound =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorInfo } | { event: WorkerEventName; data: unknown };
