-- Mailbox quota, atomic under any concurrency and across relay nodes (issue 17).
-- "blobs" counts a mailbox's stored blobs plus the puts that reserved a slot and have not yet
-- settled. The relay reserves in one statement before a put's INSERT and gives back the slot of
-- a row it did not store: every DELETE of blobs lowers the count in the same statement
-- (relay-server/src/store/quota-sql.ts).
CREATE TABLE "mailbox_usage" (
    "mailbox" TEXT NOT NULL,
    "blobs" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "mailbox_usage_pkey" PRIMARY KEY ("mailbox")
);

INSERT INTO "mailbox_usage" ("mailbox", "blobs") SELECT "mailbox", count(*)::int FROM "blobs" GROUP BY "mailbox";
