import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** A stored blob: its key (hex SHA-256 of the bytes) and size. */
export interface BlobRef {
  sha256: string;
  size: number;
}

/**
 * Content-addressed storage for raw messages and attachments. The key is the
 * SHA-256 of the bytes, never a file name from the mail, so hostile names
 * cannot steer where anything is written and equal content is stored once.
 * Local disk today; S3-compatible storage can implement the same interface.
 */
export interface BlobStore {
  /** Stores the bytes durably (idempotent) and returns their key. */
  put(data: Uint8Array): Promise<BlobRef>;
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
}

const HEX = /^[0-9a-f]{64}$/;

/** Hex SHA-256 of bytes: the blob key. */
export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * Blobs under root/ab/cd/<sha256>. A write goes to a temporary file in the
 * same folder, is fsynced, then renamed into place and the folder fsynced, so
 * a crash leaves either no blob or a whole one — never a torn file under a
 * valid key.
 */
export function localBlobStore(root: string): BlobStore {
  const where = (sha: string): string => {
    if (!HEX.test(sha)) throw new Error('invalid blob key');
    return path.join(root, sha.slice(0, 2), sha.slice(2, 4), sha);
  };
  const exists = async (file: string): Promise<boolean> => {
    try {
      await access(file, constants.F_OK);
      return true;
    } catch {
      return false;
    }
  };
  return {
    async put(data) {
      const sha256 = sha256Hex(data);
      const file = where(sha256);
      if (await exists(file)) return { sha256, size: data.byteLength };
      const dir = path.dirname(file);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = path.join(dir, `.${sha256}.${randomBytes(6).toString('hex')}.tmp`);
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(data);
        await fh.sync();
      } catch (err) {
        await fh.close();
        await rm(tmp, { force: true });
        throw err;
      }
      await fh.close();
      await rename(tmp, file);
      const dh = await open(dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
      return { sha256, size: data.byteLength };
    },
    async get(sha256) {
      return readFile(where(sha256));
    },
    async has(sha256) {
      return exists(where(sha256));
    },
  };
}
