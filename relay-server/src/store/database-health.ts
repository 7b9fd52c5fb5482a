/**
 * Whether the relay's database answers, known without waiting for a member's request to fail:
 * probed every second while up; once lost, probed again with a capped backoff until it answers.
 * The pools themselves reconnect on their next query; this only tells /health, the request
 * path (a coded "try again" instead of an internal error) and the cluster roster what to do.
 */
import type { Logger } from '../observability/log.js';

export const HEALTHY_PROBE_MS = 1000;
const RETRY_FIRST_MS = 250;
const RETRY_CAP_MS = 5000;

export class DatabaseHealth {
  private healthy = true;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private retryMs = RETRY_FIRST_MS;
  private stopped = false;

  constructor(
    private readonly probe: () => Promise<boolean>,
    private readonly logger: Logger,
    /** Called once each time the database answers again after it was lost. */
    private readonly onRecovered: () => void = () => undefined,
  ) {}

  get up(): boolean {
    return this.healthy;
  }

  start(): void {
    this.schedule(HEALTHY_PROBE_MS);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Probes now (GET /health) and records the answer. */
  async check(): Promise<boolean> {
    const up = await this.probe().catch(() => false);
    this.record(up);
    return up;
  }

  private record(up: boolean): void {
    if (up === this.healthy) return;
    this.healthy = up;
    if (up) {
      this.retryMs = RETRY_FIRST_MS;
      this.logger.info('database reachable again');
      this.onRecovered();
    } else this.logger.warn('database unreachable: requests answer Unavailable until it returns');
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.check().then((up) => {
        if (up) return this.schedule(HEALTHY_PROBE_MS);
        const wait = this.retryMs;
        this.retryMs = Math.min(RETRY_CAP_MS, this.retryMs * 2);
        this.schedule(wait);
      });
    }, ms);
    this.timer.unref();
  }
}
