-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "allowlist" (
    "key_hash" TEXT NOT NULL,
    "mailbox" TEXT NOT NULL,
    "revoked" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "allowlist_pkey" PRIMARY KEY ("key_hash")
);

-- CreateTable
CREATE TABLE "blobs" (
    "id" UUID NOT NULL,
    "mailbox" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "delete_proof_hash" TEXT NOT NULL,

    CONSTRAINT "blobs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "allowlist_mailbox_key" ON "allowlist"("mailbox");

-- CreateIndex
CREATE INDEX "blobs_mailbox_id_idx" ON "blobs"("mailbox", "id");

-- CreateIndex
CREATE INDEX "blobs_expires_at_idx" ON "blobs"("expires_at");


-- Hand-added: blob bytes are ciphertext and never compress, so EXTERNAL keeps them
-- out of line without TOAST trying to compress them first.
-- (No semicolons in comments: @prisma/adapter-pg splits migration scripts on every one.)
ALTER TABLE "blobs" ALTER COLUMN "bytes" SET STORAGE EXTERNAL;
