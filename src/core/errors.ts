const BRAND = Symbol.for("tracewire.error.v1");

/** Base of every error tracewire throws; `code` is stable, the message is for people. */
export class TracewireError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    // A brand instead of `instanceof`, so errors from an ESM and a CJS copy are recognised alike.
    Object.defineProperty(this, BRAND, { value: true });
  }

  static is(value: unknown): value is TracewireError {
    return typeof value === "object" && value !== null && BRAND in value;
  }
}

/** A configuration value (option or environment variable) is wrong. */
export class ConfigError extends TracewireError {
  readonly key: string;

  constructor(key: string, expected: string, given: unknown) {
    super("TW_CONFIG", `Invalid ${key}: expected ${expected}, got ${JSON.stringify(given)}`);
    this.key = key;
  }
}

/** `getCurrentRunTree()` was called where no run is active. */
export class RunTreeMissingError extends TracewireError {
  constructor() {
    super(
      "TW_RUN_TREE_MISSING",
      "No active run tree: call getCurrentRunTree() inside a traceable function or withRunTree(), " +
        "or pass `true` to accept undefined.",
    );
  }
}
