#!/usr/bin/env python3
"""Independent re-computation of the vault's pinned test vectors with pyca/cryptography.

The pinned vectors in wasm-core/src/vault/tests.rs were produced by the Rust code; this script
recomputes them from docs/security.md alone, with a different implementation, so that the
pins describe the documented format and not merely whatever the code happened to do.
Run: python3 wasm-core/tests/vectors/vault_crosscheck.py   (needs `cryptography` >= 44)
"""
import base64, hashlib, re, struct, sys
from pathlib import Path
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

src = (Path(__file__).parents[2] / "src/vault/tests.rs").read_text()
PIN = dict(re.findall(r'const (PIN_[A-Z_]+): &str =\s*"([^"]*)";', src))

def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def hkdf(ikm, info, salt=None): return HKDF(hashes.SHA256(), 32, salt, info).derive(ikm)
def fields(*fs): return b"".join(struct.pack(">I", len(f)) + f for f in fs)

class Stream:  # the tests' deterministic RNG: SHA-256(seed_be64 || counter_be64) blocks
    def __init__(self, seed): self.seed, self.ctr = seed, 0
    def take(self, n):
        out = b""
        while len(out) < n:
            out += hashlib.sha256(struct.pack(">QQ", self.seed, self.ctr)).digest()[: n - len(out)]
            self.ctr += 1
        return out

def sealed(key, purpose, version, binding, pt, nonce):
    head = bytes([1, purpose]) + struct.pack(">I", version)
    return head + nonce + AESGCM(key).encrypt(nonce, pt, b"signet-vault/v1" + head + binding)

def priv(byte): return ec.derive_private_key(int.from_bytes(bytes([byte]) * 32, "big"), ec.SECP256R1())
def comp(pk): return pk.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
def sign(k, msg):
    r, s = decode_dss_signature(k.sign(msg, ec.ECDSA(hashes.SHA256(), deterministic_signing=True)))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")

checks = []
TEAM, ITEM, KIND = b"team-7f3a", b"item-0001", b"android_keystore"

rng = Stream(1)  # item key wrap + payload
checks.append(("PIN_WRAPPED_ITEM_KEY", sealed(b"\x11" * 32, 6, 3, fields(b"item-key", TEAM, ITEM), b"\x22" * 32, rng.take(12)).hex()))
checks.append(("PIN_PAYLOAD", sealed(b"\x22" * 32, 7, 0, fields(b"item-payload", TEAM, ITEM, KIND, struct.pack(">I", 1)), b"hello signet", rng.take(12)).hex()))

master = Argon2id(salt=b"signet-test-salt", length=32, iterations=1, lanes=1, memory_cost=64).derive(b"pinned password")
checks.append(("PIN_AUTH_KEY", b64(hkdf(master, b"signet/v1/account/auth-key"))))
kek = hkdf(master, b"signet/v1/account/kek")
checks.append(("PIN_WRAPPED_USER_KEY", b64(sealed(kek, 1, 0, b"", b"\x33" * 32, Stream(2).take(12)))))

alice_ecdh, alice_sig, bob_ecdh = priv(0x44), priv(0x55), priv(0x66)
fp = hashlib.sha256(b"signet/v1/fingerprint" + comp(alice_sig.public_key())).digest()[:20].hex()
checks.append(("PIN_FINGERPRINT", " ".join(fp[i:i + 4] for i in range(0, 40, 4))))
body = bytes([1, 0x0A]) + comp(alice_sig.public_key()) + comp(alice_ecdh.public_key())
checks.append(("PIN_PUBLIC_KEYS", (body + sign(alice_sig, b"signet/v1/public-keys" + body)).hex()))

rng = Stream(3)
eph = ec.derive_private_key(int.from_bytes(rng.take(32), "big"), ec.SECP256R1())
bob_pub = bob_ecdh.public_key()
shared = eph.exchange(ec.ECDH(), bob_pub)
wrap_key = hkdf(shared, b"signet/v1/ecies/team-key", salt=comp(eph.public_key()) + comp(bob_pub))
nonce = rng.take(12)
head = bytes([1, 9]) + struct.pack(">I", 2) + comp(eph.public_key()) + nonce
ctx = fields(b"team-key/ecies", TEAM, b"alice", b"bob", comp(bob_pub))
ct = AESGCM(wrap_key).encrypt(nonce, b"\x88" * 32, b"signet-vault/v1" + head[:39] + ctx)
signed = head + ct
checks.append(("PIN_ECIES", (signed + sign(alice_sig, b"signet/v1/ecies-signature" + signed + ctx)).hex()))

checks.append(("PIN_ROBOT_AUTH", b64(hkdf(b"\xab" * 32, b"signet/v1/robot/auth"))))
token = b64(hkdf(b"\x99" * 32, b"signet/v1/invite/token"))
checks.append(("PIN_INVITE_TOKEN", token))
checks.append(("PIN_INVITE_TOKEN_HASH", b64(hashlib.sha256(b"signet/v1/server/invite-token" + base64.urlsafe_b64decode(token + "=")).digest())))
checks.append(("PIN_RECOVERY_AUTH", b64(hkdf(b"\xff" * 20, b"signet/v1/recovery/auth"))))

bad = 0
for name, got in checks:
    ok = PIN[name] == got
    bad += not ok
    print(("ok  " if ok else "DIFF"), name, "" if ok else f"\n  pinned {PIN[name]}\n  python {got}")
sys.exit(1 if bad else 0)
