// Password hashing with PBKDF2-SHA256 through WebCrypto. 100,000 iterations is
// the most Cloudflare Workers' WebCrypto accepts; the count is stored with the
// hash so it can be raised later and old hashes still verify.
import { base64url, fromBase64url, timingSafeEqual } from "../core/crypto.js";

const ITERATIONS = 100_000;
export const MIN_PASSWORD_LENGTH = 10;

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, ITERATIONS);
  return `pbkdf2-sha256$${ITERATIONS}$${base64url(salt)}$${base64url(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iter || !salt || !hash) return false;
  const iterations = Number(iter);
  if (!Number.isInteger(iterations) || iterations < 1) return false;
  const actual = await derive(password, fromBase64url(salt), iterations);
  return timingSafeEqual(base64url(actual), hash);
}
