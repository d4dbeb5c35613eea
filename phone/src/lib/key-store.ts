// The phone's pairing, kept in IndexedDB. The private key is a non-extractable WebCrypto CryptoKey: IndexedDB
// stores the key object itself (structured clone) without ever exporting its bytes, so it cannot leave the phone.
export interface Pairing {
  deviceId: string;
  clientId: string;
  /** The device's Ed25519 key (base64url) pinned at pairing. */
  devicePublicKey: string;
  keyPair: CryptoKeyPair;
  pairedAt: string;
}

const DB = 'hearth';
const STORE = 'pairing';
const KEY = 'current';

function open(idb: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = idb.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
  });
}

async function run<T>(idb: IDBFactory, mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open(idb);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      // Resolve on transaction completion, not on the request: only then is the write durable.
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

export interface KeyStore {
  load(): Promise<Pairing | undefined>;
  save(p: Pairing): Promise<void>;
  clear(): Promise<void>;
}

export function indexedDbKeyStore(idb: IDBFactory = indexedDB): KeyStore {
  return {
    async load() {
      const p = (await run(idb, 'readonly', (s) => s.get(KEY))) as Pairing | undefined;
      return p && p.keyPair?.privateKey ? p : undefined;
    },
    async save(p) {
      await run(idb, 'readwrite', (s) => s.put(p, KEY));
    },
    async clear() {
      await run(idb, 'readwrite', (s) => s.delete(KEY));
    },
  };
}
