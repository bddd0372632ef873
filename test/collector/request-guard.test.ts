import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/collector/http-error.js";
import { checkContentType, checkSameOrigin, isAllowedHost, parseHostName } from "../../src/collector/request-guard.js";

const loopback = { boundAddress: "127.0.0.1", allowedHosts: [] };

describe("request guard", () => {
  it("parses Host values into names, and refuses what is not one", () => {
    expect(parseHostName("LocalHost:1984")).toBe("localhost");
    expect(parseHostName("[::1]:1984")).toBe("::1");
    expect(parseHostName("127.0.0.1")).toBe("127.0.0.1");
    for (const bad of ["", "[::1", "a:b:c", "host:123456", "x".repeat(300), "a b"]) expect(parseHostName(bad)).toBeUndefined();
  });

  it("serves loopback names and addresses, the bound address and allowed hosts; any IP only when bound to all", () => {
    for (const name of ["localhost", "app.localhost", "127.0.0.1", "127.8.9.10", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]) {
      expect([name, isAllowedHost(name, loopback)]).toEqual([name, true]);
    }
    for (const name of ["evil.example", "localhost.evil.example", "10.0.0.5", "::2", "127.0.0.1.nip.io"]) {
      expect([name, isAllowedHost(name, loopback)]).toEqual([name, false]);
    }
    expect(isAllowedHost("devbox", { boundAddress: "127.0.0.1", allowedHosts: ["devbox"] })).toBe(true);
    expect(isAllowedHost("10.0.0.5", { boundAddress: "0.0.0.0", allowedHosts: [] })).toBe(true);
    expect(isAllowedHost("evil.example", { boundAddress: "0.0.0.0", allowedHosts: [] })).toBe(false);
  });

  it("lets writes without browser headers or from the collector's own origin through, and no other", () => {
    const host = "127.0.0.1:1984";
    expect(() => checkSameOrigin({ host })).not.toThrow();
    expect(() => checkSameOrigin({ host, origin: "http://127.0.0.1:1984", "sec-fetch-site": "same-origin" })).not.toThrow();
    for (const headers of [
      { host, origin: "http://127.0.0.1:3000" },
      { host, origin: "https://127.0.0.1:1984" },
      { host, origin: "null" },
      { host, origin: "not a url" },
      { host, "sec-fetch-site": "cross-site" },
      { host, "sec-fetch-site": "same-site" },
    ]) {
      expect(() => checkSameOrigin(headers)).toThrow(HttpError);
    }
  });

  it("accepts a media type with parameters, in any case, and refuses others with 415", () => {
    expect(() => checkContentType({ "content-type": "Application/JSON; charset=utf-8" }, "application/json")).not.toThrow();
    expect(() => checkContentType({ "content-type": "multipart/form-data; boundary=x" }, "multipart/form-data")).not.toThrow();
    expect(() => checkContentType({}, "application/json")).toThrow(expect.objectContaining({ status: 415 }));
    expect(() => checkContentType({ "content-type": "text/plain" }, "application/json")).toThrow(expect.objectContaining({ status: 415 }));
  });
});
