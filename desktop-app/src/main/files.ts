/**
 * Names for files the member saves. The suggested name comes from another member's message,
 * so it is hostile input: it may try folders, device names, invisible or direction-changing
 * characters, or a run of spaces hiding the real extension (`Invoice.pdf` + 80 spaces + `.exe`).
 */
import path from 'node:path';

// Every name Windows reserves as a device, with any extension and trailing spaces or dots:
// CON, PRN, AUX, NUL, COM0-9, LPT0-9 (and their superscript ¹²³ forms), CONIN$, CONOUT$, CLOCK$.
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$)([\s.].*)?$/iu;
const MAX_NAME_CHARS = 200;
// C0/C1 controls, characters Windows forbids, and path separators.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f<>:"|?*/\\]/g;
// Bidi controls (LRM, RLM, ALM, embeddings, overrides, isolates) and zero-width characters:
// removed, so what is shown is what is saved.
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]/g;
// Any run of whitespace, Unicode spaces included, becomes one space.
const WHITESPACE_RUN = /[\s\u2800\u3164\uffa0]+/gu;

/**
 * A suggested file name made safe to offer in a save dialog: no folders, no control, reserved
 * or invisible characters, one space where there were many, no leading or trailing dots, no
 * Windows device names, a sane length.
 */
export function sanitizeFileName(suggested: string): string {
  const base = suggested.split(/[/\\]/).pop() ?? '';
  let name = base
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(FORBIDDEN, '_')
    .replace(WHITESPACE_RUN, ' ')
    .replace(/^[\s.]+/, '')
    .replace(/[\s.]+$/, '');
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;
  const chars = Array.from(name); // by code point, so a cut never splits a surrogate pair
  if (chars.length > MAX_NAME_CHARS) {
    const ext = Array.from(path.extname(name)).slice(0, 20);
    name = [...chars.slice(0, MAX_NAME_CHARS - ext.length), ...ext].join('');
  }
  return name || 'file';
}

/**
 * Extensions that run code when opened (Windows, macOS, Linux desktops, and scripts every
 * platform hands to an interpreter). Saving one needs the member to confirm a warning.
 */
const EXECUTABLE_EXTENSIONS: ReadonlySet<string> = new Set(
  [
    // Windows (programs, shortcuts, scripts, installers, and disk images that bypass Mark-of-the-Web)
    'exe com scr pif bat cmd msi msp mst msix msixbundle appx appxbundle appref-ms lnk url website library-ms',
    'searchconnector-ms settingcontent-ms cpl dll ocx sys drv hta chm hlp inf ins isp reg rgs scf shb shs sct wsc',
    'wsf wsh ws js jse vb vbe vbs ps1 ps1xml ps2 ps2xml psc1 psc2 psd1 psm1 mshxml msc gadget application jar jnlp',
    'xbap xll xlam ppam docm xlsm pptm iso img vhd vhdx one diagcab cab theme themepack printerexport cer crt der',
    // macOS
    'app command tool terminal workflow action pkg mpkg dmg prefpane scpt scptd applescript fileloc inetloc webloc',
    'kext osax dylib',
    // Linux desktops and scripts any platform hands to an interpreter
    'desktop sh bash zsh csh ksh fish run so appimage flatpakref deb rpm snap py pyc pyw pl rb php lua tcl',
  ]
    .join(' ')
    .split(' '),
);

/** The executable extension of `name` (lower case, without the dot), or null when it has none. */
export function executableExtension(name: string): string | null {
  const ext = path
    .extname(name.replace(/[\s.]+$/, ''))
    .slice(1)
    .toLowerCase();
  return ext && EXECUTABLE_EXTENSIONS.has(ext) ? ext : null;
}
