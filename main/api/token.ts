import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function tokenFile(dataDir: string): string {
  return join(dataDir, 'api-token');
}

/** The API bearer token: created at first start (mode 0600), then reused. */
export function ensureApiToken(dataDir: string): { token: string; file: string; created: boolean } {
  const file = tokenFile(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 32) {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return { token, file, created: false };
    }
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, file, created: true };
}

export function readApiToken(dataDir: string): string | null {
  const file = tokenFile(dataDir);
  if (!existsSync(file)) return null;
  return readFileSync(file, 'utf8').trim() || null;
}

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
