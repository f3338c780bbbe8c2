/** A minimal Server-Sent Events reader over fetch, for tests. */
export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  private readonly controller = new AbortController();
  private done: Promise<void> = Promise.resolve();
  status = 0;
  contentType = '';

  static async connect(url: string): Promise<SseClient> {
    const c = new SseClient();
    const res = await fetch(url, { signal: c.controller.signal, headers: { Accept: 'text/event-stream' } });
    c.status = res.status;
    c.contentType = res.headers.get('content-type') ?? '';
    c.done = c.pump(res.body!);
    return c;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let cut = buf.indexOf('\n\n');
        while (cut >= 0) {
          this.parse(buf.slice(0, cut));
          buf = buf.slice(cut + 2);
          cut = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted or the server went away
    }
  }

  private parse(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) this.events.push({ event, data: JSON.parse(data.join('\n')) });
  }

  of<T = unknown>(event: string): T[] {
    return this.events.filter((e) => e.event === event).map((e) => e.data as T);
  }

  /** Resolves when the server ends the stream. */
  ended(): Promise<void> {
    return this.done;
  }

  close(): void {
    this.controller.abort();
  }
}
