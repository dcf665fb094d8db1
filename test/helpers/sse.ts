/** Reads server-sent events from a fetch response body (tests). */
import assert from 'node:assert/strict';

export interface WireEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** Yields each event (comments such as heartbeats skipped) as its fields. */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<WireEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: WireEvent = {};
      for (const line of block.split('\n')) {
        const colon = line.indexOf(': ');
        if (line.startsWith(':') || colon < 0) continue;
        const field = line.slice(0, colon) as keyof WireEvent;
        event[field] = line.slice(colon + 2);
      }
      if (event.event !== undefined) yield event;
    }
  }
}

/** The next event of a stream; fails the test when the stream ended. */
export async function nextEvent(events: AsyncGenerator<WireEvent>): Promise<WireEvent> {
  const result = await events.next();
  assert.ok(result.done !== true, 'the stream ended');
  return result.value;
}

/** Reads events until one satisfies `match`; returns it and every event read before it. */
export async function eventUntil(
  events: AsyncGenerator<WireEvent>,
  match: (event: WireEvent) => boolean,
): Promise<{ found: WireEvent; before: WireEvent[] }> {
  const before: WireEvent[] = [];
  for (;;) {
    const event = await nextEvent(events);
    if (match(event)) return { found: event, before };
    before.push(event);
  }
}
