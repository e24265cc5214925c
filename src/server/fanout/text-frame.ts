/**
 * A text message prepared once for many sockets: its UTF-8 bytes, and the same bytes behind
 * the WebSocket frame header a server sends (RFC 6455 §5.2: FIN, opcode text, no mask), so a
 * socket write is one copy of ready bytes, with nothing encoded or framed per recipient.
 */
export class TextFrame {
  /** the message's UTF-8 bytes */
  readonly text: Buffer;
  /** header + text: what goes on the wire */
  readonly wire: Buffer;

  constructor(parts: readonly (string | Buffer)[]) {
    let length = 0;
    for (const part of parts) length += typeof part === 'string' ? Buffer.byteLength(part) : part.length;
    const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
    const wire = Buffer.allocUnsafe(header + length);
    wire[0] = 0x81;
    if (header === 2) wire[1] = length;
    else if (header === 4) {
      wire[1] = 126;
      wire.writeUInt16BE(length, 2);
    } else {
      wire[1] = 127;
      wire.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
      wire.writeUInt32BE(length >>> 0, 6);
    }
    let at = header;
    for (const part of parts) at += typeof part === 'string' ? wire.write(part, at) : part.copy(wire, at);
    this.wire = wire;
    this.text = wire.subarray(header);
  }

  /** bytes of the message (not of the header) */
  get length(): number {
    return this.text.length;
  }

  toString(): string {
    return this.text.toString();
  }
}
