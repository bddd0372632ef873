import { describe, expect, it } from "vitest";
import { ByteWriter, recycle } from "../../src/export/byte-writer.js";
import { BatchBody } from "../../src/export/body.js";
import { createMultipartFormat } from "../../src/export/payload.js";
import type { RunRecord } from "../../src/export/records.js";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("ByteWriter", () => {
  it("writes UTF-8 (astral, CJK, accents) and grows past its first guess", () => {
    const out = new ByteWriter(1);
    const pieces = ["plain ", "café ", "漢字 ", "😀 ", "x".repeat(5000)];
    for (const piece of pieces) out.text(piece);
    const bytes = out.finish();
    expect(decode(bytes)).toBe(pieces.join(""));
    expect(bytes.length).toBe(new TextEncoder().encode(pieces.join("")).length);
  });

  it("reuses a recycled buffer without leaking its old bytes into the next body", () => {
    const first = new ByteWriter(4096);
    first.text("A".repeat(4000));
    const firstBytes = first.finish();
    recycle(firstBytes);
    const second = new ByteWriter(4096);
    second.text("short");
    const secondBytes = second.finish();
    expect(decode(secondBytes)).toBe("short");
    // The same memory, handed out again: that is the point of recycling.
    expect(secondBytes.buffer).toBe(firstBytes.buffer);
  });

  it("does not hold on to a huge body's buffer after it is sent", () => {
    const huge = new ByteWriter(5 * 1024 * 1024);
    huge.text("x".repeat(5 * 1024 * 1024));
    const hugeBytes = huge.finish();
    recycle(hugeBytes);
    const next = new ByteWriter(5 * 1024 * 1024);
    expect(next.finish().buffer).not.toBe(hugeBytes.buffer);
  });

  it("ignores what it did not hand out, and a second recycle of the same body", () => {
    const foreign = new Uint8Array(8192);
    recycle(foreign);
    const out = new ByteWriter(8192);
    out.text("mine");
    const bytes = out.finish();
    expect(bytes.buffer).not.toBe(foreign.buffer);
    recycle(bytes);
    recycle(bytes);
    const a = new ByteWriter(8192);
    const b = new ByteWriter(8192);
    expect(a.finish().buffer).not.toBe(b.finish().buffer);
  });
});

describe("a multipart body", () => {
  const record = (id: string, inputs: string): RunRecord => ({
    op: "post",
    id,
    traceId: id,
    main: { id, name: "naïve ✓", trace_id: id, end_time: undefined },
    parts: { inputs, outputs: '{"out":"😀"}' },
    bytes: 10,
  });

  it("frames every part, in order, and survives batches far larger than the size estimate", () => {
    const big = JSON.stringify({ text: "é".repeat(20_000) });
    const batch = [record("a", '{"q":1}'), record("b", big)];
    const body = new BatchBody(createMultipartFormat(), 16);
    for (const run of batch) body.add(run);
    const text = decode(body.seal());
    const boundary = body.format.contentType.split("boundary=")[1] as string;
    const parts = text.split(`--${boundary}`);
    expect(parts[0]).toBe("");
    expect(parts.at(-1)).toBe("--\r\n");
    const names = parts.slice(1, -1).map((p) => /name="([^"]+)"/.exec(p)?.[1]);
    expect(names).toEqual(["post.a", "post.a.inputs", "post.a.outputs", "post.b", "post.b.inputs", "post.b.outputs"]);
    const value = (i: number) => (parts[i + 1] as string).split("\r\n\r\n")[1]?.slice(0, -2);
    expect(JSON.parse(value(0) as string)).toEqual({ id: "a", name: "naïve ✓", trace_id: "a" });
    expect(value(4)).toBe(big);
    expect(value(5)).toBe('{"out":"😀"}');
    // LangSmith's API wants every part's length: in bytes, as the Content-Type's `length` parameter.
    for (const part of parts.slice(1, -1)) {
      const [head = "", json = ""] = part.split("\r\n\r\n");
      const declared = Number(/Content-Type: application\/json; length=(\d+)\r?$/m.exec(head)?.[1]);
      expect(declared).toBe(new TextEncoder().encode(json.slice(0, -2)).length);
    }
  });
});

describe("utf8Length", () => {
  it("counts the bytes the writer writes, for every kind of character", async () => {
    const { countUtf8Bytes, utf8Length } = await import("../../src/export/byte-writer.js");
    for (const text of ["", "ascii", "naïve ✓", "😀 and 😀", "\ud800 lone", "end \udc00", "\udc00\ud800", "é".repeat(1000)]) {
      const written = new TextEncoder().encode(text).length;
      expect(utf8Length(text)).toBe(written);
      expect(countUtf8Bytes(text)).toBe(written);
    }
  });
});
