/** Keeps the last `limit` bytes of a stream and counts the rest, so 50 MB of output costs a few KB of memory. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.limit === 0) return;
    const piece = chunk.length > this.limit ? chunk.subarray(chunk.length - this.limit) : chunk;
    this.chunks.push(Buffer.from(piece));
    this.kept += piece.length;
    while (this.kept - (this.chunks[0]?.length ?? 0) >= this.limit) {
      this.kept -= this.chunks.shift()?.length ?? 0;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const tail = all.length > this.limit ? all.subarray(all.length - this.limit) : all;
    const dropped = this.total - tail.length;
    const body = tail.toString('utf8');
    return dropped > 0 ? `[… ${dropped} earlier bytes dropped]\n${body}` : body;
  }
}
