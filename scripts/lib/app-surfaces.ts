/** What `npm start` opens for members. Until the desktop app lands: the headless client only. */
export async function startAppSurfaces(_opts: { relayUrl: string; demoDir: string }): Promise<{ lines: string[]; close(): Promise<void> }> {
  return { lines: [], close: async () => undefined };
}
