// Wire schemas of the pairing routes (TypeBox: validated by fastify before the handler runs).
import { Type, type Static } from '@sinclair/typebox';

const b64u = (len: number) => Type.String({ pattern: `^[A-Za-z0-9_-]{${len}}$` });

export const StartRequest = Type.Object(
  {
    v: Type.Literal(1),
    mode: Type.Union([Type.Literal('code'), Type.Literal('qr'), Type.Literal('invite')]),
    inviteId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{16,32}$' })),
    /** Raw uncompressed P-256 public key (65 bytes). */
    clientPublicKey: b64u(87),
    clientName: Type.String({ minLength: 1, maxLength: 64 }),
    /** SPAKE2 pA (edwards25519, 32 bytes). */
    pA: b64u(43),
  },
  { additionalProperties: false },
);
export type StartRequest = Static<typeof StartRequest>;

export const StartResponse = Type.Object({
  sessionId: Type.String(),
  deviceId: Type.String(),
  devicePublicKey: Type.String(),
  pB: Type.String(),
  cB: Type.String(),
  deviceSignature: Type.String(),
});
export type StartResponse = Static<typeof StartResponse>;

export const FinishRequest = Type.Object(
  { sessionId: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }), cA: b64u(43) },
  { additionalProperties: false },
);
export type FinishRequest = Static<typeof FinishRequest>;

export const FinishResponse = Type.Object({ clientId: Type.String(), deviceId: Type.String() });
export type FinishResponse = Static<typeof FinishResponse>;

export const PairingInfo = Type.Object({
  deviceId: Type.String(),
  devicePublicKey: Type.String(),
  /** True while no client is paired (first pairing, or after a physical reset). */
  windowOpen: Type.Boolean(),
});
export type PairingInfo = Static<typeof PairingInfo>;
