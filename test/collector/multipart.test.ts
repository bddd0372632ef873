import { describe, expect, it } from "vitest";
import { type FormPart, parseBoundary, readMultipart } from "../../src/collector/multipart.js";

async function partsOf(body: string, boundary = "b", maxParts = 100): Promise<{ name: string; filename?: string; type?: string; text: string }[]> {
  const out: { name: string; filename?: string; type?: string; text: string }[] = [];
  await readMultipart(Buffer.from(body), boundary, maxParts, (p: FormPart) =>
    out.push({ name: p.name, ...(p.filename === undefined ? {} : { filename: p.filename }), ...(p.contentType ? { type: p.contentType } : {}), text: p.data.toString() }),
  );
  return out;
}

describe("multipart reader", () => {
  it("reads the boundary of a content type, quoted or not", () => {
    expect(parseBoundary("multipart/form-data; boundary=----abc")).toBe("----abc");
    expect(parseBoundary('multipart/form-data; charset=utf-8; BOUNDARY="a b\\"c"')).toBe('a b"c');
    expect(parseBoundary("multipart/form-data")).toBeUndefined();
    expect(parseBoundary(`multipart/form-data; boundary=${"x".repeat(71)}`)).toBeUndefined();
  });

  it("reads named parts with their filename, type and bytes, after a preamble and with transport padding", async () => {
    const body =
      "preamble\r\n--b \r\n" +
      'Content-Disposition: form-data; name="post.1"; filename="blob"\r\nContent-Type: application/json; length=2\r\n\r\n{}\r\n' +
      '--b\r\ncontent-disposition: form-data; name="post.1.inputs"\r\n\r\nline one\r\nline two\r\n' +
      "--b\r\n\r\nheaderless\r\n" +
      "--b--\r\nepilogue";
    expect(await partsOf(body)).toEqual([
      { name: "post.1", filename: "blob", type: "application/json; length=2", text: "{}" },
      { name: "post.1.inputs", text: "line one\r\nline two" },
    ]);
  });

  it("refuses malformed bodies with 400 and more parts than the bound with 413", async () => {
    for (const body of ["no boundary at all", '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nunterminated', "--bX", `--b\r\n${"h".repeat(9000)}\r\n\r\nx\r\n--b--`]) {
      await expect(partsOf(body)).rejects.toMatchObject({ status: 400 });
    }
    const three = '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n'.repeat(3) + "--b--";
    await expect(partsOf(three, "b", 2)).rejects.toMatchObject({ status: 413 });
    expect(await partsOf(three, "b", 3)).toHaveLength(3);
  });
});
