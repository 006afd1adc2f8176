// A self-signed certificate for localhost and 127.0.0.1 (P-256, valid for two days), for tests of
// HTTPS/WSS: made with openssl when it is installed, else with Node's crypto (a small DER writer).
import { spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes cert.pem and key.pem into `dir`; returns {cert, key, certFile, keyFile, made: "openssl"|"node"}. */
export function makeCertificate(dir, { useOpenssl = true } = {}) {
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  const result = useOpenssl
    ? spawnSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
          "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2", "-keyout", keyFile, "-out", certFile],
        { encoding: "utf8" },
      )
    : { error: new Error("not asked for") };
  let made = "openssl";
  if (result.error || result.status !== 0) {
    const { cert, key } = nodeCertificate();
    writeFileSync(certFile, cert);
    writeFileSync(keyFile, key, { mode: 0o600 });
    made = "node";
  }
  return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8"), certFile, keyFile, made };
}

// DER: tag, length, contents.
function der(tag, ...parts) {
  const body = Buffer.concat(parts);
  let length;
  if (body.length < 0x80) length = Buffer.from([body.length]);
  else if (body.length < 0x100) length = Buffer.from([0x81, body.length]);
  else length = Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}
const sequence = (...parts) => der(0x30, ...parts);
const set = (...parts) => der(0x31, ...parts);
function oid(text) {
  const [a, b, ...rest] = text.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const value of rest) {
    const chunk = [value & 0x7f];
    for (let v = value >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}
function utcTime(date) {
  return der(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-:T]/g, "")}Z`));
}

/** A self-signed ECDSA P-256 certificate for CN=localhost, SAN localhost and 127.0.0.1, in PEM. */
export function nodeCertificate() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const ecdsaWithSha256 = sequence(oid("1.2.840.10045.4.3.2"));
  const name = sequence(set(sequence(oid("2.5.4.3"), der(0x0c, Buffer.from("localhost")))));
  const now = Date.now();
  const serial = randomBytes(8);
  serial[0] &= 0x7f; // positive
  const subjectAltName = sequence(der(0x82, Buffer.from("localhost")), der(0x87, Buffer.from([127, 0, 0, 1])));
  const spki = publicKey.export({ type: "spki", format: "der" });
  const keyId = createHash("sha1").update(spki).digest();
  const extensions = der(
    0xa3,
    sequence(
      sequence(oid("2.5.29.17"), der(0x04, subjectAltName)),
      sequence(oid("2.5.29.14"), der(0x04, der(0x04, keyId))),
      sequence(oid("2.5.29.19"), der(0x04, sequence(der(0x01, Buffer.from([0xff]))))), // basicConstraints CA:TRUE
    ),
  );
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, serial),
    ecdsaWithSha256,
    name,
    sequence(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 2 * 86_400_000))),
    name,
    spki,
    extensions,
  );
  const signature = sign("sha256", tbs, { key: privateKey, dsaEncoding: "der" });
  const certificate = sequence(tbs, ecdsaWithSha256, der(0x03, Buffer.from([0]), signature));
  const lines = certificate.toString("base64").match(/.{1,64}/g).join("\n");
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: "pkcs8", format: "pem" }),
  };
}
