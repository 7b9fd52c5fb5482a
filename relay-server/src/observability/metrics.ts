/** Prometheus text metrics: counts and latencies only, never an identity. */
const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(label = '', by = 1): void {
    this.values.set(label, (this.values.get(label) ?? 0) + by);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [label, v] of this.values) lines.push(`${this.name}${label ? `{code="${label}"}` : ''} ${v}`);
    return lines;
  }
}

class Histogram {
  private readonly counts = LATENCY_BUCKETS_MS.map(() => 0);
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(ms: number): void {
    LATENCY_BUCKETS_MS.forEach((b, i) => {
      if (ms <= b) this.counts[i]!++;
    });
    this.sum += ms;
    this.count++;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    LATENCY_BUCKETS_MS.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum.toFixed(3)}`,
      `${this.name}_count ${this.count}`,
    );
    return lines;
  }
}

export class RelayMetrics {
  readonly connections = { current: 0 };
  readonly blobsStored = new Counter('circle_blobs_stored_total', 'Blobs accepted and stored');
  readonly blobsDeliveredLive = new Counter('circle_blobs_delivered_live_total', 'Blob deliveries pushed to connected sockets');
  readonly blobsDeleted = new Counter('circle_blobs_deleted_total', 'Blobs deleted by their recipient or sender');
  readonly blobsSwept = new Counter('circle_blobs_swept_total', 'Expired blobs removed by the sweeper');
  readonly signalsRelayed = new Counter('circle_signals_relayed_total', 'Live sealed signals forwarded');
  readonly requestErrors = new Counter('circle_request_errors_total', 'Requests answered with an error, by code');
  readonly authFailures = new Counter('circle_auth_failures_total', 'Refused connection attempts, by code');
  readonly socketsDropped = new Counter('circle_sockets_dropped_total', 'Sockets closed by the relay, by reason');
  readonly putLatency = new Histogram('circle_blob_put_ms', 'Time to validate, store and fan out one blob (ms)');

  render(): string {
    return (
      [
        '# HELP circle_connections Authenticated sockets connected now',
        '# TYPE circle_connections gauge',
        `circle_connections ${this.connections.current}`,
        ...this.blobsStored.render(),
        ...this.blobsDeliveredLive.render(),
        ...this.blobsDeleted.render(),
        ...this.blobsSwept.render(),
        ...this.signalsRelayed.render(),
        ...this.requestErrors.render(),
        ...this.authFailures.render(),
        ...this.socketsDropped.render(),
        ...this.putLatency.render(),
      ].join('\n') + '\n'
    );
  }
}
