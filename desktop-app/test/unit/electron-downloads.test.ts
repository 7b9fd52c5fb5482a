/**
 * Saving what another member sent: the file-name sanitiser (the name is theirs, so hostile),
 * the executable-type check that triggers main's warning, and the download marks the OS uses
 * to warn before running a saved file.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executableExtension, sanitizeFileName } from '../../src/main/files.js';
import { markDownloaded, quarantineValue, ZONE_IDENTIFIER, type MarkingDeps } from '../../src/main/download-marking.js';

describe('sanitizeFileName', () => {
  it.each([
    // folders and traversal
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\Windows\\system.ini', 'system.ini'],
    ['..', 'file'],
    ['', 'file'],
    ['/', 'file'],
    // runs of whitespace hiding the real extension
    [`Invoice.pdf${' '.repeat(80)}.exe`, 'Invoice.pdf .exe'],
    ['a\u3000\u3000\u2003b.txt', 'a b.txt'],
    ['a\u00a0\u00a0\u00a0b.txt', 'a b.txt'],
    ['tab\there.txt', 'tab_here.txt'],
    ['  .hidden  ', 'hidden'],
    ['name.txt   ', 'name.txt'],
    ['name.exe...', 'name.exe'],
    // bidi controls and invisible characters are removed, not kept as look-alikes
    ['evil\u202Etxt.exe', 'eviltxt.exe'],
    ['photo\u202Egpj.scr', 'photogpj.scr'],
    ['a\u2066b\u2069c\u200ed\u200fe\u061cf.txt', 'abcdef.txt'],
    ['in\u200bvisible\ufeff.txt', 'invisible.txt'],
    ['soft\u00adhyphen.txt', 'softhyphen.txt'],
    // characters Windows forbids and controls
    ['a<b>c:d|e?f*.txt', 'a_b_c_d_e_f_.txt'],
    ['quote"d.txt', 'quote_d.txt'],
    ['nul\u0000byte.txt', 'nul_byte.txt'],
    ['c1\u0085control.txt', 'c1_control.txt'],
    // every reserved Windows device name, any case, with or without an extension
    ['CON', '_CON'],
    ['con.txt', '_con.txt'],
    ['PRN.tar.gz', '_PRN.tar.gz'],
    ['AUX', '_AUX'],
    ['nul.', '_nul'],
    ['COM1.log', '_COM1.log'],
    ['COM0', '_COM0'],
    ['com9', '_com9'],
    ['COM¹', '_COM¹'],
    ['COM².txt', '_COM².txt'],
    ['LPT³', '_LPT³'],
    ['lpt1.txt', '_lpt1.txt'],
    ['CONIN$', '_CONIN$'],
    ['conout$.txt', '_conout$.txt'],
    ['CLOCK$', '_CLOCK$'],
    ['CON .txt', '_CON .txt'],
    // not reserved
    ['CONSOLE.txt', 'CONSOLE.txt'],
    ['COM10.txt', 'COM10.txt'],
    ['photo.jpg', 'photo.jpg'],
    ['Résumé é.pdf', 'Résumé é.pdf'],
  ])('%j becomes %j', (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });

  it('composes decomposed accents (NFC), so the name looks and compares as typed', () => {
    expect(sanitizeFileName('Cafe\u0301.txt')).toBe('Café.txt');
  });

  it('keeps long names under 200 characters with their extension, never splitting a surrogate pair', () => {
    const name = sanitizeFileName(`${'é'.repeat(300)}.pdf`);
    expect(Array.from(name)).toHaveLength(200);
    expect(name.endsWith('.pdf')).toBe(true);
    const emoji = sanitizeFileName(`${'😀'.repeat(300)}.exe`);
    expect(Array.from(emoji)).toHaveLength(200);
    expect(emoji.endsWith('.exe')).toBe(true);
    expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('executableExtension', () => {
  it.each([
    ['setup.exe', 'exe'],
    ['Invoice.pdf .exe', 'exe'],
    ['SHORTCUT.LNK', 'lnk'],
    ['start.desktop', 'desktop'],
    ['run.sh', 'sh'],
    ['Installer.dmg', 'dmg'],
    ['Tool.app', 'app'],
    ['open.command', 'command'],
    ['x.appimage', 'appimage'],
    ['macro.docm', 'docm'],
    ['disk.iso', 'iso'],
    ['script.ps1', 'ps1'],
    ['page.hta', 'hta'],
    ['a.js', 'js'],
    ['name.exe...', 'exe'],
  ])('%j is executable (.%s)', (name, ext) => {
    expect(executableExtension(name)).toBe(ext);
  });

  it.each(['photo.jpg', 'notes.txt', 'report.pdf', 'movie.mp4', 'archive.zip', 'exe', 'README', 'identity-07.bin'])('%j is not', (name) => {
    expect(executableExtension(name)).toBeNull();
  });
});

describe('markDownloaded', () => {
  const recorder = (platform: NodeJS.Platform) => {
    const done: string[][] = [];
    const deps: MarkingDeps = {
      platform,
      now: () => 1_800_000_000_000,
      writeFile: (file, data) => (done.push(['writeFile', file, data]), Promise.resolve()),
      runXattr: (args) => (done.push(['xattr', ...args]), Promise.resolve()),
      removeExecuteBits: (file) => (done.push(['removeExecuteBits', file]), Promise.resolve()),
    };
    return { deps, done };
  };

  it('Windows: writes the Zone.Identifier stream (Mark-of-the-Web, Internet zone) beside the file', async () => {
    const { deps, done } = recorder('win32');
    await markDownloaded('C:\\Users\\ada\\Downloads\\setup.exe', deps);
    expect(done).toEqual([['writeFile', 'C:\\Users\\ada\\Downloads\\setup.exe:Zone.Identifier', '[ZoneTransfer]\r\nZoneId=3\r\n']]);
    expect(ZONE_IDENTIFIER).toMatch(/ZoneId=3/);
  });

  it('macOS: sets com.apple.quarantine with the download flag, the time and Circle as the agent', async () => {
    const { deps, done } = recorder('darwin');
    await markDownloaded('/Users/ada/Downloads/Tool.app', deps);
    expect(done).toEqual([['xattr', '-w', 'com.apple.quarantine', '0081;6b49d200;Circle;', '/Users/ada/Downloads/Tool.app']]);
    expect(quarantineValue(0)).toBe('0081;0;Circle;');
  });

  it('Linux: takes away any execute bit', async () => {
    const { deps, done } = recorder('linux');
    await markDownloaded('/home/ada/Downloads/run.sh', deps);
    expect(done).toEqual([['removeExecuteBits', '/home/ada/Downloads/run.sh']]);
  });

  describe.skipIf(process.platform === 'win32')('on this machine', () => {
    let dir: string;
    beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'circle-mark-'))));
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('a file saved over an executable loses its execute bits and keeps read/write', async () => {
      const file = path.join(dir, 'run.sh');
      await writeFile(file, '#!/bin/sh\n', { mode: 0o755 });
      await markDownloaded(file, {
        ...recorder('linux').deps,
        removeExecuteBits: (await import('../../src/main/download-marking.js')).defaultMarkingDeps.removeExecuteBits,
      });
      expect((await stat(file)).mode & 0o777).toBe(0o644);
    });
  });
});
