-- CreateTable
CREATE TABLE "devices" (
    "mailbox" TEXT NOT NULL,
    "member" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "record" BYTEA,
    "removed" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "devices_pkey" PRIMARY KEY ("mailbox")
);

-- CreateTable
CREATE TABLE "prekeys" (
    "device_mailbox" TEXT NOT NULL,
    "slot" INTEGER NOT NULL,
    "bundle" BYTEA NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "prekeys_pkey" PRIMARY KEY ("device_mailbox","slot")
);

-- CreateIndex
CREATE UNIQUE INDEX "devices_member_device_id_key" ON "devices"("member", "device_id");

-- AddForeignKey
ALTER TABLE "prekeys" ADD CONSTRAINT "prekeys_device_mailbox_fkey" FOREIGN KEY ("device_mailbox") REFERENCES "devices"("mailbox") ON DELETE CASCADE ON UPDATE CASCADE;
