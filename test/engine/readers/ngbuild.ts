// A byte-level pcapng block builder for tests: any block type, either byte order, raw options, so
// that tests can write what the product's writer never would (big-endian sections, binary
// if_tsresol, if_tsoffset, Simple and obsolete Packet Blocks, statistics, name resolution, custom
// blocks, inconsistent lengths).

export interface Opt {
  code: number;
  value: Uint8Array | string;
}

const enc = new TextEncoder();

export class NgBuilder {
  private parts: Uint8Array[] = [];
  constructor(public le = true) {}

  private u16(v: number): Uint8Array {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, this.le);
    return b;
  }
  u32(v: number): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, this.le);
    return b;
  }
  u64(v: bigint): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), this.le);
    return b;
  }

  options(opts: Opt[]): Uint8Array {
    if (opts.length === 0) return new Uint8Array(0);
    const out: Uint8Array[] = [];
    for (const o of opts) {
      const v = typeof o.value === 'string' ? enc.encode(o.value) : o.value;
      out.push(this.u16(o.code), this.u16(v.length), pad(v));
    }
    out.push(this.u16(0), this.u16(0));
    return cat(out);
  }

  block(type: number, body: Uint8Array, lenOverride?: { start?: number; end?: number }): this {
    const b = pad(body);
    const len = 12 + b.length;
    this.parts.push(this.u32(type), this.u32(lenOverride?.start ?? len), b, this.u32(lenOverride?.end ?? len));
    return this;
  }

  shb(opts: Opt[] = [], version: [number, number] = [1, 0]): this {
    const bom = this.u32(0x1a2b3c4d);
    return this.block(0x0a0d0d0a, cat([bom, this.u16(version[0]), this.u16(version[1]), this.u64(-1n), this.options(opts)]));
  }

  idb(linktype: number, snaplen: number, opts: Opt[] = []): this {
    return this.block(1, cat([this.u16(linktype), this.u16(0), this.u32(snaplen), this.options(opts)]));
  }

  epb(iface: number, ts: bigint, data: Uint8Array, opts: Opt[] = [], origLen = data.length, capLen = data.length): this {
    return this.block(
      6,
      cat([
        this.u32(iface),
        this.u32(Number(ts >> 32n)),
        this.u32(Number(ts & 0xffffffffn)),
        this.u32(capLen),
        this.u32(origLen),
        pad(data),
        this.options(opts),
      ]),
    );
  }

  spb(data: Uint8Array, origLen = data.length): this {
    return this.block(3, cat([this.u32(origLen), pad(data)]));
  }

  /** Obsolete Packet Block (type 2): 16-bit interface id and drop count. */
  pb(iface: number, ts: bigint, data: Uint8Array): this {
    return this.block(
      2,
      cat([
        this.u16(iface),
        this.u16(0),
        this.u32(Number(ts >> 32n)),
        this.u32(Number(ts & 0xffffffffn)),
        this.u32(data.length),
        this.u32(data.length),
        pad(data),
      ]),
    );
  }

  isb(iface: number, ts: bigint): this {
    return this.block(
      5,
      cat([
        this.u32(iface),
        this.u32(Number(ts >> 32n)),
        this.u32(Number(ts & 0xffffffffn)),
        this.options([{ code: 4, value: this.u64(42n) }]),
      ]),
    );
  }

  nrb(): this {
    // one IPv4 record: 10.0.0.1 -> "pod-a", then the end record
    const name = enc.encode('pod-a\0');
    const rec = cat([this.u16(1), this.u16(4 + name.length), new Uint8Array([10, 0, 0, 1]), pad(name)]);
    return this.block(4, cat([rec, this.u16(0), this.u16(0)]));
  }

  custom(pen: number, payload: Uint8Array): this {
    return this.block(0x00000bad, cat([this.u32(pen), payload]));
  }

  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }

  bytes(): Uint8Array {
    return cat(this.parts);
  }
}

export function pad(b: Uint8Array): Uint8Array {
  const n = (b.length + 3) & ~3;
  if (n === b.length) return b;
  const out = new Uint8Array(n);
  out.set(b);
  return out;
}

export function cat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
