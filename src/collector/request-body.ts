/**
 * Reading a request body under two bounds: its own size (`maxBodyBytes`, counted after
 * decompression, so a small gzip bomb is a 413 like any large body) and a byte budget shared by
 * every request in flight, so many concurrent bodies cannot add up to gigabytes. Bytes are
 * reserved as they are decoded and released by the caller once the request is answered.
 */
import type { IncomingMessage } from "node:http";
import type { Transform } from "node:stream";
import * as zlib from "node:zlib";
import { HttpError } from "./http-error.js";

/** Bytes shared by all requests in flight. */
export interface ByteBudget {
  readonly inUseBytes: number;
  /** Takes `bytes` from the budget, or returns false (and takes nothing) when it would overflow. */
  tryTake(bytes: number): boolean;
  give(bytes: number): void;
}

export function createByteBudget(maxBytes: number): ByteBudget {
  let inUse = 0;
  return {
    get inUseBytes() {
      return inUse;
    },
    tryTake(bytes) {
      if (inUse + bytes > maxBytes) return false;
      inUse += bytes;
      return true;
    },
    give(bytes) {
      inUse -= bytes;
    },
  };
}

/** One request's share of the budget; `release()` gives back everything it took. */
export interface Reservation {
  take(bytes: number): void;
  release(): void;
}

export function reserveFrom(budget: ByteBudget): Reservation {
  let held = 0;
  return {
    take(bytes) {
      if (!budget.tryTake(bytes)) throw new HttpError(503, "the collector is busy with other requests: retry", 1);
      held += bytes;
    },
    release() {
      budget.give(held);
      held = 0;
    },
  };
}

type Decoder = () => Transform;

// zstd is in Node's zlib from 22.15 / 23.8; older Nodes refuse it with 415 like any unknown coding.
const createZstd = (zlib as { createZstdDecompress?: Decoder }).createZstdDecompress;
const DECODERS: Record<string, Decoder | undefined> = {
  gzip: () => zlib.createGunzip(),
  "x-gzip": () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  zstd: createZstd && (() => createZstd()),
};

function decoderFor(encoding: string | undefined): Transform | undefined {
  const name = (encoding ?? "identity").trim().toLowerCase();
  if (name === "identity" || name === "") return undefined;
  const decoder = DECODERS[name];
  if (!decoder) throw new HttpError(415, `unsupported content-encoding ${JSON.stringify(name.slice(0, 32))}`);
  return decoder();
}

/**
 * The decoded body, at most `maxBytes`, its bytes taken from `reservation` as they arrive. On a
 * refusal the rest of the body is discarded, not the socket: the client still gets its answer.
 */
export async function readBody(req: IncomingMessage, maxBytes: number, reservation: Reservation): Promise<Buffer> {
  if (Number(req.headers["content-length"]) > maxBytes) throw new HttpError(413, `body over ${maxBytes} bytes`);
  return collect(req, decoderFor(req.headers["content-encoding"]), maxBytes, reservation);
}

function collect(req: IncomingMessage, decoder: Transform | undefined, maxBytes: number, reservation: Reservation): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let rawSize = 0;
    let size = 0;
    let settled = false;
    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      if (error === undefined) return resolve(Buffer.concat(chunks, size));
      chunks.length = 0;
      decoder?.destroy();
      req.resume(); // discard what is still coming
      reject(error);
    };
    const tooLarge = (): HttpError => new HttpError(413, `body over ${maxBytes} bytes${decoder ? " once decompressed" : ""}`);
    const keep = (chunk: Buffer): void => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) return finish(tooLarge());
      try {
        reservation.take(chunk.length);
      } catch (error) {
        return finish(error);
      }
      chunks.push(chunk);
    };
    const feed = (chunk: Buffer): void => {
      rawSize += chunk.length;
      if (rawSize > maxBytes) return finish(tooLarge());
      // Backpressure: the decoder's queue of compressed input stays small.
      if (decoder?.write(chunk) === false) {
        req.pause();
        decoder.once("drain", () => {
          if (!settled) req.resume();
        });
      }
    };
    // A decoder's error is the body's fault (bad gzip); a dropped connection leaves nobody to
    // answer, but its reservation must still be given back, so it settles too.
    const unreadable = (): void => finish(new HttpError(400, decoder ? "body does not decompress" : "body could not be read"));
    const onData = decoder ? feed : keep;
    if (decoder) decoder.on("data", keep).once("end", () => finish()).once("error", unreadable);
    req
      .on("data", onData)
      .once("end", () => (decoder ? decoder.end() : finish()))
      .once("error", unreadable)
      .once("close", () => req.complete || unreadable());
  });
}
