// A config file edited in place can be read half written. A poller applies a
// new text only when the poll before it read the same: by then the writer is done.
export class SettledPoll<T> {
  private last: T | undefined;

  /** Records what this poll read; true when the previous poll read the same. */
  settled(read: T): boolean {
    const same = read === this.last;
    this.last = read;
    return same;
  }

  /** After a failed read: the next text needs two reads again. */
  forget(): void {
    this.last = undefined;
  }
}
