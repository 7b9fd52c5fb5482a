/**
 * Image previews of received files, treated as untrusted: only raster formats (never SVG, which
 * is a document that can carry script), dimensions read from the file's header and checked
 * before anything is decoded, and the preview drawn from a decoded bitmap onto a canvas, so no
 * URL of the file exists that could be opened as a document in the app's origin.
 */

/** Formats previewed; anything else (SVG included) is only offered as a file to save. */
export const PREVIEW_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** Files above this are not fetched for a preview. */
export const MAX_PREVIEW_BYTES = 10 * 1024 * 1024;
/** Declared size limits checked before decoding: a small file can declare a huge image. */
export const MAX_PREVIEW_SIDE = 8192;
export const MAX_PREVIEW_PIXELS = 24_000_000;
/** The preview's width on screen (device pixels are decoded at most at this size). */
const PREVIEW_WIDTH = 480;

export const canPreview = (file: { mime: string; size: number }): boolean => PREVIEW_TYPES.has(file.mime) && file.size <= MAX_PREVIEW_BYTES;

/** Width and height as the file's header declares them, or undefined if the header is not one we read. */
export function declaredSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (i: number, s: string) => [...s].every((c, j) => bytes[i + j] === c.charCodeAt(0));
  if (bytes.length >= 24 && bytes[0] === 0x89 && at(1, 'PNG') && at(12, 'IHDR')) return { width: v.getUint32(16), height: v.getUint32(20) };
  if (bytes.length >= 10 && at(0, 'GIF8')) return { width: v.getUint16(6, true), height: v.getUint16(8, true) };
  if (bytes.length >= 30 && at(0, 'RIFF') && at(8, 'WEBP')) {
    if (at(12, 'VP8X')) return { width: 1 + (v.getUint32(24, true) & 0xffffff), height: 1 + (v.getUint32(27, true) & 0xffffff) };
    if (at(12, 'VP8L')) {
      const b = v.getUint32(21, true);
      return { width: 1 + (b & 0x3fff), height: 1 + ((b >> 14) & 0x3fff) };
    }
    if (at(12, 'VP8 ')) return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
    return undefined;
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    // JPEG: walk the segments to the first start-of-frame marker.
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) return undefined;
      const marker = bytes[i + 1]!;
      const length = v.getUint16(i + 2);
      const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame) return { width: v.getUint16(i + 7), height: v.getUint16(i + 5) };
      i += 2 + length;
    }
  }
  return undefined;
}

/** Whether an image of this declared size may be decoded. */
export const withinLimits = (s: { width: number; height: number }): boolean =>
  s.width > 0 && s.height > 0 && s.width <= MAX_PREVIEW_SIDE && s.height <= MAX_PREVIEW_SIDE && s.width * s.height <= MAX_PREVIEW_PIXELS;

/** Decodes a preview bitmap, or throws when the file is not a previewable image within the limits. */
export async function decodePreview(bytes: Uint8Array, mime: string): Promise<ImageBitmap> {
  if (!PREVIEW_TYPES.has(mime)) throw new Error('not a previewable image');
  const size = declaredSize(bytes);
  if (!size || !withinLimits(size)) throw new Error('image dimensions are missing or too large to preview');
  const width = Math.min(PREVIEW_WIDTH, size.width);
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: mime }), {
    resizeWidth: width,
    resizeHeight: Math.max(1, Math.round((size.height * width) / size.width)),
    resizeQuality: 'medium',
  });
  return bitmap;
}

/** A canvas showing `bitmap`: the preview element (it has no URL to open). */
export function previewCanvas(bitmap: ImageBitmap, label: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.className = 'preview';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
  return canvas;
}
