/**
 * At most MAX_SOCKETS_PER_MEMBER sockets per member on one relay node, counted from the moment
 * a handshake is accepted until its connection closes. A member's devices and a reconnect
 * whose old socket has not yet timed out fit; a stolen identity cannot open hundreds.
 */
import type { ExtendedError, Socket } from 'socket.io';
import { CircleError, ErrorCode, toErrorInfo } from '@circle/protocol';

export class MemberSockets {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  count(mailbox: string): number {
    return this.open.get(mailbox) ?? 0;
  }

  /**
   * `io.use()` middleware, after authentication: counts the socket, or refuses it with
   * RateLimited when its member already has `max` sockets here.
   */
  middleware(onRefused: () => void) {
    return (socket: Socket, next: (err?: ExtendedError) => void) => {
      const mailbox = (socket.data as { mailbox: string }).mailbox;
      const n = this.count(mailbox);
      if (n >= this.max) {
        onRefused();
        const info = toErrorInfo(
          new CircleError(
            ErrorCode.RateLimited,
            'auth',
            `this identity already has ${this.max} connections to the relay: close the app on another device, or wait a minute`,
          ),
        );
        next(Object.assign(new Error(info.message), { data: info }));
        setTimeout(() => socket.conn.close(), 50).unref();
        return;
      }
      this.open.set(mailbox, n + 1);
      socket.conn.once('close', () => {
        const left = this.count(mailbox) - 1;
        if (left > 0) this.open.set(mailbox, left);
        else this.open.delete(mailbox);
      });
      next();
    };
  }
}
