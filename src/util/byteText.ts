/**
 * Where rendered text goes, a few pieces at a time. Writers pass the pieces of a token instead of
 * gluing them into a template first: a glued string is a rope that a byte writer has to flatten,
 * a second copy for every token of a large output.
 */
export interface TextOut {
  write(a: string, b?: string, c?: string, d?: string, e?: string): void;
}

/**
 * UTF-8 text written straight into a byte buffer. Building a multi-megabyte output as strings costs
 * a rope node per piece, a flattening pass and a final UTF-8 encoding; copying the (almost always
 * ASCII) pieces into bytes does the work once.
 */
export abstract class ByteSink implements TextOut {
  protected buf: Buffer;
  protected pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  write(a: string, b?: string, c?: string, d?: string, e?: string): void {
    this.put(a);
    if (b !== undefined) this.put(b);
    if (c !== undefined) this.put(c);
    if (d !== undefined) this.put(d);
    if (e !== undefined) this.put(e);
  }

  endLine(): void {
    if (this.pos === this.buf.length) this.grow(1);
    this.buf[this.pos++] = 0x0a;
  }

  /** Appends bytes already rendered: whole lines. */
  copy(from: Buffer, start: number, end: number): void {
    if (this.pos + (end - start) > this.buf.length) this.grow(end - start);
    // A plain view and TypedArray#set: a memory copy without Buffer#copy's argument checks or the
    // Buffer object Buffer#subarray would build.
    this.buf.set(new Uint8Array(from.buffer, from.byteOffset + start, end - start), this.pos);
    this.pos += end - start;
  }

  private put(text: string): void {
    const n = text.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      // Anything beyond ASCII takes UTF-8 encoding; rule text almost never has any.
      if (c > 0x7f) return this.putUtf8(text);
      buf[pos++] = c;
    }
    this.pos = pos;
  }

  private putUtf8(text: string): void {
    const n = Buffer.byteLength(text, 'utf8');
    if (this.pos + n > this.buf.length) this.grow(n);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** Makes room for `n` more bytes after the current position. */
  private grow(n: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

/** Bytes per chunk: large enough that chunks are few, small enough to stay cheap to hold and write. */
const CHUNK_BYTES = 1 << 20;
/** A chunk closes at the first line end past this, leaving room for that line without regrowing. */
const CHUNK_FULL = CHUNK_BYTES - (1 << 16);

/**
 * A large text as byte chunks, each ending at a line end. With `emit`, each chunk is handed over as
 * soon as it is full and its buffer reused (so `emit` must be done with it when it returns): the
 * output never sits in memory whole. Without, finish() returns all the chunks.
 */
export class ByteChunks extends ByteSink {
  private readonly chunks: Buffer[] = [];

  constructor(private readonly emit?: (chunk: Buffer) => void) {
    super(CHUNK_BYTES);
  }

  /** Ends a line; a chunk is only ever closed at a line end, so every chunk is whole lines of valid UTF-8. */
  override endLine(): void {
    super.endLine();
    if (this.pos >= CHUNK_FULL) this.flush();
  }

  /** Appends whole lines already rendered. */
  override copy(from: Buffer, start: number, end: number): void {
    super.copy(from, start, end);
    if (this.pos >= CHUNK_FULL) this.flush();
  }

  /** Hands over the last chunk; returns the chunks when there is no `emit`. */
  finish(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.pos === 0) return;
    if (this.emit) {
      this.emit(this.buf.subarray(0, this.pos));
    } else {
      this.chunks.push(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
    }
    this.pos = 0;
  }
}

/**
 * Text rendered ahead of its place in the output, kept as byte ranges until that place is known.
 * Segments are never copied to grow the arena: a range starts in a fresh segment when the current
 * one is nearly full, so no range spans two.
 */
export class ByteArena extends ByteSink {
  private readonly done: Buffer[] = [];
  private start = 0;

  constructor() {
    super(CHUNK_BYTES);
  }

  /** Starts a range. */
  begin(): void {
    if (this.pos >= CHUNK_FULL) {
      this.done.push(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
      this.pos = 0;
    }
    this.start = this.pos;
  }

  /*
   * The range begun last (everything written since) lies in segment `rangeSegment`, from
   * `rangeStart` to `rangeEnd`: three numbers read where they are kept, not an object per range
   * (a large ruleset has a hundred thousand).
   */
  get rangeSegment(): number {
    return this.done.length;
  }

  get rangeStart(): number {
    return this.start;
  }

  get rangeEnd(): number {
    return this.pos;
  }

  /** The bytes of segment `i` (ranges index into it). */
  segment(i: number): Buffer {
    return i === this.done.length ? this.buf : this.done[i];
  }

  /** Appends a range (its segment, start and end) to `out`. */
  copyTo(out: ByteSink, segment: number, start: number, end: number): void {
    out.copy(segment === this.done.length ? this.buf : this.done[segment], start, end);
  }
}

/** Byte chunks back to one string (for callers that want the whole text). */
export function chunksToString(chunks: readonly Buffer[]): string {
  return chunks.map((c) => c.toString('utf8')).join('');
}

/**
 * Short texts, such as single rule lines, written as bytes and read back as flat strings. A string
 * glued from pieces is a rope: each comparison or Map lookup of it (rule lines are compared and
 * counted by the ten thousand in a diff) would flatten it first. One instance serves any number
 * of texts, one after another.
 */
export class LineOut extends ByteSink {
  constructor() {
    super(512);
  }

  /** The text written since the last take(), as a flat string. */
  take(): string {
    const text = this.buf.toString('utf8', 0, this.pos);
    this.pos = 0;
    return text;
  }
}
