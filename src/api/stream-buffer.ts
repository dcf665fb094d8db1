/**
 * The server-sent events' memory (pure): every event gets a monotonic id and is kept in a ring buffer, so a
 * client that lost its connection resumes with `Last-Event-ID` and misses nothing — or, when what it missed
 * has already left the buffer (or the server restarted), is told to reload (`reset`).
 * Ids are `<epoch>-<sequence>`: the epoch is fixed per process, so an id from before a restart is never taken
 * for one of this process (its sequence restarted at 1).
 */

/** One event as the buffer keeps it. */
export interface BufferedEvent<T> {
  id: string;
  seq: number;
  data: T;
}

/** What a resuming client gets: the events after its id, or `reset` when they cannot all be replayed. */
export type Resume<T> = { kind: 'replay'; events: BufferedEvent<T>[] } | { kind: 'reset' };

export class EventRing<T> {
  private readonly items: (BufferedEvent<T> | undefined)[];
  private seq = 0;
  private readonly listeners = new Set<(event: BufferedEvent<T>) => void>();
  private readonly closers = new Set<() => void>();

  constructor(
    readonly capacity: number,
    /** Distinguishes this process' ids from a previous one's (default: start time in base 36). */
    readonly epoch: string = Date.now().toString(36),
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.items = new Array<BufferedEvent<T> | undefined>(capacity);
  }

  /** Appends an event; its id is the next in sequence. Listeners hear of it synchronously. */
  push(data: T): BufferedEvent<T> {
    this.seq += 1;
    const event = { id: `${this.epoch}-${this.seq}`, seq: this.seq, data };
    this.items[this.seq % this.capacity] = event;
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** The id of the newest event ('' before the first). */
  get lastId(): string {
    return this.seq === 0 ? '' : `${this.epoch}-${this.seq}`;
  }

  /** Listens to every event pushed from now on; returns the function that stops it. */
  subscribe(listener: (event: BufferedEvent<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `closer` when the ring is closed (the server stops: every stream ends); returns the function that stops it. */
  onClose(closer: () => void): () => void {
    this.closers.add(closer);
    return () => this.closers.delete(closer);
  }

  /** Ends every stream reading this ring. */
  close(): void {
    for (const closer of [...this.closers]) closer();
    this.closers.clear();
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /**
   * The events after `lastEventId`, oldest first. `reset` when the id is not one of this process (another
   * epoch, garbage, ahead of the sequence) or when events after it have already been overwritten.
   */
  since(lastEventId: string): Resume<T> {
    const seq = this.sequenceOf(lastEventId);
    if (seq === undefined) return { kind: 'reset' };
    const oldest = Math.max(1, this.seq - this.capacity + 1);
    if (seq + 1 < oldest) return { kind: 'reset' };
    const events: BufferedEvent<T>[] = [];
    for (let s = seq + 1; s <= this.seq; s++) {
      const event = this.items[s % this.capacity];
      if (event?.seq !== s) return { kind: 'reset' };
      events.push(event);
    }
    return { kind: 'replay', events };
  }

  private sequenceOf(id: string): number | undefined {
    const dash = id.lastIndexOf('-');
    if (dash < 0 || id.slice(0, dash) !== this.epoch) return undefined;
    const text = id.slice(dash + 1);
    if (!/^\d{1,15}$/.test(text)) return undefined;
    const seq = Number(text);
    return seq > this.seq ? undefined : seq;
  }
}

/** One server-sent event on the wire: `id`, `event` and one `data` line of JSON. Pure. */
export function formatEvent(event: { id?: string; type: string; data: unknown }): string {
  // JSON.stringify never emits a raw newline, so one data line always holds the whole payload.
  const id = event.id === undefined ? '' : `id: ${event.id}\n`;
  return `${id}event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
