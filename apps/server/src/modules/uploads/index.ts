// Files agents upload for outgoing mail: streamed to the blob store under a
// per-user quota, consumed by the message that sends them, expired unsent.
export { receiveUpload, streamBody, type UploadDeps, type UploadOut } from './receive-upload.ts';
export { expireUploads } from './expire-uploads.ts';
export { deleteUploads as consumeUploads, findUpload, type UploadRow } from './uploads.repo.ts';
export { startStorageHousekeeping, type StorageHousekeeping } from './storage-housekeeping.ts';
