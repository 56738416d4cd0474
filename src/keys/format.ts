// The shape of a key: `pb_<env>_<lookup id>_<secret><checksum>`, e.g.
// pb_live_4fGh8JkLmN_Xy…(32)…Q1w2e3. The prefix says what it is (and which environment) to a human
// or a secret scanner; the CRC32 checksum tells a typo from a revoked key without a database read;
// only the SHA-256 of the whole key is stored.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { crc32 } from "node:zlib";
import type { KeyEnvironment } from "./scopes.js";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID_LENGTH = 10;
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const KEY_PATTERN = new RegExp(
  `^(pb_(live|test)_[0-9A-Za-z]{${ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);

function randomBase62(length: number): string {
  // Rejection sampling keeps every character uniformly likely.
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

function base62(n: number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

const checksumOf = (body: string) => base62(crc32(body), CHECKSUM_LENGTH);

export const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

export interface NewKey {
  key: string;
  prefix: string;
  hash: string;
}

export function generateKey(environment: KeyEnvironment): NewKey {
  const prefix = `pb_${environment}_${randomBase62(ID_LENGTH)}`;
  const body = `${prefix}_${randomBase62(SECRET_LENGTH)}`;
  const key = body + checksumOf(body);
  return { key, prefix, hash: hashKey(key) };
}

export interface ParsedKey {
  prefix: string;
  environment: KeyEnvironment;
}

/** Null when the text is not a well-formed key with a valid checksum. */
export function parseKey(key: string): ParsedKey | null {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  const [, prefix, environment, secret, checksum] = match as unknown as [
    string,
    string,
    KeyEnvironment,
    string,
    string,
  ];
  if (checksumOf(`${prefix}_${secret}`) !== checksum) return null;
  return { prefix, environment };
}

export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
