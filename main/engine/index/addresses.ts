// Interning of IPv6 addresses for the index: 16 bytes -> small integer id, with no string built
// per packet (open addressing over a typed-array store; FNV-1a hash of the 16 bytes).
import { ipv6Text } from '../decode/context';

export class Ipv6Table {
  private store = new Uint8Array(16 * 64);
  private slots = new Int32Array(256).fill(-1);
  size = 0;

  /** Id of the 16-byte address at data[off]; adds it when new. */
  intern(data: Uint8Array, off: number): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < 16; i++) h = Math.imul(h ^ data[off + i], 0x01000193);
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = this.slots[s];
      if (id < 0) {
        return this.add(data, off, s);
      }
      const b = id * 16;
      let same = true;
      for (let i = 0; i < 16; i++)
        if (this.store[b + i] !== data[off + i]) {
          same = false;
          break;
        }
      if (same) return id;
    }
  }

  private add(data: Uint8Array, off: number, slot: number): number {
    const id = this.size++;
    if (id * 16 + 16 > this.store.length) {
      const n = new Uint8Array(this.store.length * 2);
      n.set(this.store);
      this.store = n;
    }
    this.store.set(data.subarray(off, off + 16), id * 16);
    this.slots[slot] = id;
    if (this.size * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let id = 0; id < this.size; id++) {
      let h = 0x811c9dc5;
      for (let i = 0; i < 16; i++) h = Math.imul(h ^ this.store[id * 16 + i], 0x01000193);
      let s = h & mask;
      while (slots[s] >= 0) s = (s + 1) & mask;
      slots[s] = id;
    }
    this.slots = slots;
  }

  bytes(id: number): Uint8Array {
    return this.store.subarray(id * 16, id * 16 + 16);
  }

  text(id: number): string {
    return ipv6Text(this.store, id * 16);
  }

  get byteLength(): number {
    return this.store.byteLength + this.slots.byteLength;
  }
}
