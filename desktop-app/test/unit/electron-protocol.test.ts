import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as fake from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js'));

const { createAppProtocolHandler, resolveAppPath, registerAppScheme, CONTENT_SECURITY_POLICY, APP_SCHEME_PRIVILEGES } =
  await import('../../src/main/app-protocol.js');

const REQUIRED_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self' http: https: ws: wss:; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const SECRET = 'TOP-SECRET-IDENTITY-BYTES';

let base: string;
let root: string;
let serve: ReturnType<typeof createAppProtocolHandler>;

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'circle-protocol-'));
  root = path.join(base, 'renderer');
  await mkdir(path.join(root, 'sub'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Circle</title>');
  await writeFile(path.join(root, 'app.js'), 'console.log(1)');
  await writeFile(path.join(root, 'core-worker.js'), 'self.onmessage = () => {}');
  await writeFile(path.join(root, 'styles.css'), 'body{}');
  await writeFile(path.join(root, 'logo.svg'), '<svg/>');
  await writeFile(path.join(root, 'sub', 'data.json'), '{}');
  await writeFile(path.join(root, 'blob.xyz'), 'x');
  await writeFile(path.join(base, 'secret.txt'), SECRET);
  await writeFile(path.join(base, 'renderer-evil.txt'), SECRET);
  await symlink(path.join(base, 'secret.txt'), path.join(root, 'link.txt'));
  serve = createAppProtocolHandler(root);
});
afterAll(() => rm(base, { recursive: true, force: true }));
beforeEach(() => fake.resetFakeElectron());

const get = (url: string, method = 'GET') => serve({ url, method });

describe('app:// scheme registration', () => {
  it('registers app as standard, secure and fetch-capable, before ready', () => {
    registerAppScheme();
    expect(fake.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(APP_SCHEME_PRIVILEGES.privileges).not.toHaveProperty('bypassCSP');
    expect(APP_SCHEME_PRIVILEGES.privileges).not.toHaveProperty('corsEnabled');
  });
});

describe('serving the renderer folder', () => {
  it.each([
    ['app://circle/index.html', 'text/html; charset=utf-8'],
    ['app://circle/', 'text/html; charset=utf-8'],
    ['app://circle/app.js', 'text/javascript; charset=utf-8'],
    ['app://circle/core-worker.js', 'text/javascript; charset=utf-8'],
    ['app://circle/styles.css', 'text/css; charset=utf-8'],
    ['app://circle/logo.svg', 'image/svg+xml'],
    ['app://circle/sub/data.json', 'application/json; charset=utf-8'],
    ['app://circle/blob.xyz', 'application/octet-stream'],
  ])('%s is served as %s with the CSP', async (url, type) => {
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('content-security-policy')).toBe(REQUIRED_CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('the HTML page carries exactly the required CSP', async () => {
    expect(CONTENT_SECURITY_POLICY).toBe(REQUIRED_CSP);
    const res = await get('app://circle/index.html');
    expect(await res.text()).toContain('<title>Circle</title>');
    expect(res.headers.get('content-security-policy')).toBe(REQUIRED_CSP);
  });

  it('HEAD answers without a body', async () => {
    const res = await get('app://circle/index.html', 'HEAD');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('refuses other methods', async () => {
    expect((await get('app://circle/index.html', 'POST')).status).toBe(405);
  });

  it('answers 404 for missing files and folders', async () => {
    expect((await get('app://circle/nope.js')).status).toBe(404);
    expect((await get('app://circle/sub')).status).toBe(404);
    expect((await get('app://circle/sub/')).status).toBe(404);
  });
});

describe('path traversal and foreign hosts are refused', () => {
  it.each([
    'app://circle/../secret.txt',
    'app://circle/%2e%2e/secret.txt',
    'app://circle/..%2fsecret.txt',
    'app://circle/%2e%2e%2fsecret.txt',
    'app://circle/sub/..%2f..%2fsecret.txt',
    'app://circle/..%5csecret.txt',
    'app://circle/%2e%2e%5c..%5csecret.txt',
    'app://circle/index.html%00.js',
    'app://circle/%E0%A4%A',
    'app://circle/link.txt',
    'app://circle/../renderer-evil.txt',
    'app://circle/..%2frenderer-evil.txt',
    'app://evil/index.html',
    'app://circle.evil/index.html',
    'file:///etc/passwd',
    'https://circle/index.html',
  ])('%s', async (url) => {
    const res = await get(url);
    expect([403, 404]).toContain(res.status);
    expect(await res.text()).not.toContain(SECRET);
    expect(res.headers.get('content-security-policy')).toBe(REQUIRED_CSP);
  });

  it('resolveAppPath keeps every served path inside the folder', () => {
    expect(resolveAppPath(root, 'app://circle/..%2fsecret.txt')).toBeNull();
    expect(resolveAppPath(root, 'app://circle/..%5csecret.txt')).toBeNull();
    expect(resolveAppPath(root, 'app://circle/a%00b')).toBeNull();
    expect(resolveAppPath(root, 'app://other/index.html')).toBeNull();
    expect(resolveAppPath(root, 'app://circle/sub/data.json')).toBe(path.join(root, 'sub', 'data.json'));
    expect(resolveAppPath(root, 'app://circle/')).toBe(path.join(root, 'index.html'));
  });

  it('a symlink pointing out of the folder is refused with 403', async () => {
    expect((await get('app://circle/link.txt')).status).toBe(403);
  });
});
