/** Domain-separation labels: one per use of a key or hash, versioned with the protocol. */
import { utf8Encode } from './bytes.js';

export const LABEL = {
  envelopeKey: utf8Encode('circle/v1/envelope'),
  envelopeSignature: utf8Encode('circle/v1/envelope-signature'),
  fileChunk: utf8Encode('circle/v1/file-chunk'),
  chunkDelete: utf8Encode('circle/v1/chunk-delete'),
  fileDigest: utf8Encode('circle/v1/file-digest'),
  chunkId: utf8Encode('circle/v1/chunk-id'),
  roster: utf8Encode('circle/v1/roster'),
  circleId: utf8Encode('circle/v1/circle-id'),
  identitySeal: utf8Encode('circle/v1/identity-seal'),
  relayAuth: utf8Encode('circle/v1/relay-auth'),
  keyHash: utf8Encode('circle/v1/key-hash'),
  mailbox: utf8Encode('circle/v1/mailbox'),
  safetyNumber: utf8Encode('circle/v1/safety-number'),
  deviceMailbox: utf8Encode('circle/v2/device-mailbox'),
  // Protocol v2: devices, hybrid prekeys, per-device envelopes (docs/PROTOCOL.md §5, §15)
  deviceRecord: utf8Encode('circle/v2/device-record'),
  prekeyRecord: utf8Encode('circle/v2/prekey-record'),
  prekeyHint: utf8Encode('circle/v2/prekey-hint'),
  envelopeTranscript: utf8Encode('circle/v2/envelope-transcript'),
  sealedSender: utf8Encode('circle/v2/sealed-sender'),
  envelopeKeyV2: utf8Encode('circle/v2/envelope-key'),
  safetyNumberV2: utf8Encode('circle/v2/safety-number'),
  deviceFingerprint: utf8Encode('circle/v2/device-fingerprint'),
} as const;
