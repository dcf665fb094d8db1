/**
 * Coalesces identical work (a fetch and ref resolution of one repository, ref and credential) so that every
 * caller gets a result from a run that started after it asked — never an older answer — while callers who
 * arrive during a run share the next one. A fleet of apps on one repository then costs one `git fetch` per
 * fetch time, not one per app.
 */
export class FreshFlights<T> {
  private readonly slots = new Map<string, { running?: Promise<T>; next?: Promise<T> }>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = {};
      this.slots.set(key, slot);
    }
    const current = slot;
    if (current.next !== undefined) return current.next;
    const settle = (flight: Promise<T>): void => {
      const done = (): void => {
        if (current.running === flight) delete current.running;
        if (current.running === undefined && current.next === undefined && this.slots.get(key) === current)
          this.slots.delete(key);
      };
      flight.then(done, done);
    };
    if (current.running === undefined) {
      const flight = work();
      current.running = flight;
      settle(flight);
      return flight;
    }
    const previous = current.running;
    const flight: Promise<T> = previous
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        current.running = flight;
        delete current.next;
        return work();
      });
    current.next = flight;
    settle(flight);
    return flight;
  }
}
