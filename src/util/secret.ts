const value = Symbol('secret');

/** A credential that prints as `[redacted]` in logs, errors and JSON; `reveal()` is the only way in. */
export class Secret {
  private readonly [value]: string;
  constructor(v: string) {
    this[value] = v;
  }
  reveal(): string {
    return this[value];
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}
