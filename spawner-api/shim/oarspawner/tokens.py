"""Short-lived JWTs for the oarspawner service: HS256 with the standard library, ES256/RS256 with cryptography."""
import base64
import hashlib
import hmac
import json
import os
import time

# Tokens signed by this process, by what they were signed for (with the key file's identity): see reused().
_SIGNED = {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign(claims: dict, algorithm: str, key: bytes, issuer: str, audience: str, lifetime: int = 300, now=None) -> str:
    """A compact JWT with iss, aud, iat and exp set; the key is the HS256 secret or a PEM private key."""
    issued = int(now if now is not None else time.time())
    body = dict(claims, iss=issuer, aud=audience, iat=issued, exp=issued + lifetime)
    header = {"alg": algorithm, "typ": "JWT"}
    signing_input = (_b64(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + _b64(json.dumps(body, separators=(",", ":")).encode())).encode("ascii")
    if algorithm == "HS256":
        signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    elif algorithm in ("ES256", "RS256"):
        signature = _sign_asymmetric(algorithm, key, signing_input)
    else:
        raise ValueError(f"unsupported JWT algorithm {algorithm!r}: use HS256, ES256 or RS256")
    return signing_input.decode("ascii") + "." + _b64(signature)


def reused(claims: dict, algorithm: str, key_file: str, issuer: str, audience: str, lifetime: int = 300, now=None) -> str:
    """A token signed with the key in key_file (an HS256 secret, stripped, or a PEM private key), the same one again
    on each call until min(60 s, a fifth of its lifetime) before it expires, or until the key file changes (a key
    rotated on both sides takes effect at once, as when each call signed its own)."""
    stat = os.stat(key_file)
    what = (key_file, stat.st_mtime_ns, stat.st_size, stat.st_ino, algorithm, issuer, audience, lifetime,
            json.dumps(claims, sort_keys=True))
    now = time.time() if now is None else now
    kept = _SIGNED.get(what)
    if kept is not None and kept[1] <= now < kept[2]:
        return kept[0]
    with open(key_file, "rb") as f:
        key = f.read()
    issued = int(now)
    token = sign(claims, algorithm, key.strip() if algorithm == "HS256" else key, issuer, audience, lifetime, issued)
    if len(_SIGNED) >= 16:
        _SIGNED.clear()
    _SIGNED[what] = (token, issued, issued + lifetime - min(60, lifetime / 5))
    return token


def _sign_asymmetric(algorithm: str, pem: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

    private = serialization.load_pem_private_key(pem, password=None)
    if algorithm == "RS256":
        return private.sign(data, padding.PKCS1v15(), hashes.SHA256())
    der = private.sign(data, ec.ECDSA(hashes.SHA256()))
    r, s = utils.decode_dss_signature(der)
    # JWS wants the raw 64-byte r||s, not DER.
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def decode_unverified(token: str) -> dict:
    """The claims of a token, for tests and logs; never for trust decisions."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
