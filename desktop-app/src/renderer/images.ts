/**
 * Strips metadata (EXIF: location, camera, time) from images before they are sent, by
 * decoding and re-encoding the pixels. Formats we cannot re-encode are sent as they are.
 */
const REENCODE = new Map([
  ['image/jpeg', 'image/jpeg'],
  ['image/png', 'image/png'],
  ['image/webp', 'image/webp'],
]);

export async function stripImageMetadata(bytes: Uint8Array, mime: string): Promise<{ bytes: Uint8Array; stripped: boolean }> {
  const target = REENCODE.get(mime);
  if (!target) return { bytes, stripped: false };
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: mime }), { imageOrientation: 'from-image' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  bitmap.close();
  const blob = await canvas.convertToBlob({ type: target, quality: 0.92 });
  return { bytes: new Uint8Array(await blob.arrayBuffer()), stripped: true };
}
