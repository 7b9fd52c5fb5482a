/**
 * Screen sharing goes through our own picker: the renderer lists sources (`screen:sources`),
 * the member picks one (`screen:select`), and the next `getDisplayMedia()` gets exactly that
 * source. A selection is used once; without one, display capture is denied.
 */
export interface PickableSource {
  id: string;
  name: string;
}

export class ScreenPicker {
  #listed = new Map<string, PickableSource>();
  #selected: PickableSource | null = null;

  /** Remembers the sources last shown to the member; only these can be selected. */
  setListed(sources: readonly PickableSource[]): void {
    this.#listed = new Map(sources.map((s) => [s.id, { id: s.id, name: s.name }]));
    this.#selected = null;
  }

  /** Returns false when `id` was not among the last listed sources. */
  select(id: string): boolean {
    const source = this.#listed.get(id);
    if (!source) return false;
    this.#selected = source;
    return true;
  }

  /** The selected source, cleared so that one pick grants one capture. */
  take(): PickableSource | null {
    const source = this.#selected;
    this.#selected = null;
    return source;
  }
}
