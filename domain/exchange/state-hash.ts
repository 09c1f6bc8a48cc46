/**
 * A 64-bit FNV-1a hash, as two 32-bit halves (pure JavaScript, so workflow code and the engine can both use it).
 * The engine hashes its book with it so a rebuilt book can be compared with the one before a crash, as exchange-core's
 * state-hash report does. Not for security: collisions only have to be unlikely between honest states.
 */
export class StateHasher {
  private high = 0xcbf29ce4;
  private low = 0x84222325;

  add(value: string | number): this {
    const text = typeof value === 'number' ? value.toString() : value;
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i) & 0xff, text.charCodeAt(i) >>> 8);
    this.byte(0x1f, 0); // a separator, so ("1","23") and ("12","3") differ
    return this;
  }

  digest(): string {
    return (this.high >>> 0).toString(16).padStart(8, '0') + (this.low >>> 0).toString(16).padStart(8, '0');
  }

  private byte(low: number, high: number): void {
    this.mix(low);
    if (high !== 0) this.mix(high);
  }

  /** state ^= byte; state *= 0x100000001b3 (mod 2^64), with the multiplication split into 16-bit pieces. */
  private mix(byte: number): void {
    const low = (this.low ^ byte) >>> 0;
    // 0x100000001b3 = 2^40 + 0x1b3: high·2^32 + low times it, kept mod 2^64
    const lowTimes = low * 0x1b3;
    const carry = Math.floor(lowTimes / 0x100000000);
    this.low = lowTimes >>> 0;
    this.high = (Math.imul(this.high, 0x1b3) + carry + (low << 8)) >>> 0;
  }
}
