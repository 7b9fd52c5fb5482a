/**
 * Debian's nginx as a round-robin proxy in front of several relay nodes, started by a test
 * with its own configuration in a temp folder, in the foreground as a child of the test (no
 * daemon, no system service). The relay part of the configuration is docs/operator-guide.md's
 * multi-node example (clusterLocation below) minus TLS.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';

export interface TestNginx {
  url: string;
  port: number;
  /** Everything nginx wrote to its error log so far (for failure messages). */
  errors(): Promise<string>;
  stop(): Promise<void>;
}

/** The upstream block and proxy settings the operator guide gives for several nodes. */
export function clusterProxyConfig(nodePorts: number[]): { upstream: string; location: string } {
  const servers = nodePorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n');
  return {
    upstream: `upstream circle_relays {\n${servers}\n}`,
    location: `location / {
        proxy_pass http://circle_relays;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_connect_timeout 2s;
        proxy_read_timeout 60s;
        proxy_send_timeout 60s;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 3;
    }`,
  };
}

/** Starts nginx on `port`, balancing round-robin over the nodes; resolves once it accepts connections. */
export async function startNginx(port: number, nodePorts: number[]): Promise<TestNginx> {
  if (!existsSync(NGINX)) throw new Error(`nginx not found at ${NGINX}: apt-get install -y nginx`);
  const dir = await mkdtemp(join(tmpdir(), 'circle-nginx-'));
  const { upstream, location } = clusterProxyConfig(nodePorts);
  const root = process.getuid?.() === 0;
  const conf = `${root ? 'user root;\n' : ''}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    ${upstream}
    server {
        listen 127.0.0.1:${port};
        ${location}
    }
}
`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  const errors = () => readFile(join(dir, 'error.log'), 'utf8').catch(() => stderr);
  const stop = async () => {
    if (!exited) child.kill('SIGQUIT'); // graceful: finishes open connections' current requests
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) throw new Error(`nginx exited at start: ${stderr}${await errors()}`);
    const up = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not accept connections on ${port} within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, errors, stop };
}
