/** Per other member: the key that marks file chunk ids between us (PROTOCOL.md §6.2), computed once. */
import { chunkTagKey, type Identity } from '@circle/protocol';
import type { Contact, Directory } from './directory.js';

export class ChunkTagKeys {
  private readonly keys = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly identity: Identity,
    private readonly directory: Directory,
  ) {}

  /** The chunk tag key shared with `member`. */
  for(member: Contact): Promise<Uint8Array> {
    let key = this.keys.get(member.id);
    if (!key) {
      key = chunkTagKey(this.identity.x25519SecretKey, this.directory.me.x25519PublicKey, member.x25519PublicKey);
      this.keys.set(member.id, key);
    }
    return key;
  }

  /** Every other member's chunk tag key; a member whose roster key is unusable is left out. */
  async all(): Promise<Uint8Array[]> {
    const keys = await Promise.all(this.directory.others.map((m) => this.for(m).catch(() => undefined)));
    return keys.filter((k): k is Uint8Array => k !== undefined);
  }
}
