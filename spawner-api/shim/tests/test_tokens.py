import base64
import hashlib
import hmac
import json

import pytest

from oarspawner import tokens


def _parts(token):
    h, p, s = token.split(".")
    pad = lambda x: x + "=" * (-len(x) % 4)
    return json.loads(base64.urlsafe_b64decode(pad(h))), json.loads(base64.urlsafe_b64decode(pad(p))), \
        base64.urlsafe_b64decode(pad(s)), (h + "." + p).encode()


def test_hs256_is_verifiable_with_the_secret():
    t = tokens.sign({"sub": "jupyterhub", "roles": ["hub"]}, "HS256", b"s" * 40, "jupyterhub", "oarspawner", 60, now=1000)
    header, claims, signature, signed = _parts(t)
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims == {"sub": "jupyterhub", "roles": ["hub"], "iss": "jupyterhub", "aud": "oarspawner", "iat": 1000, "exp": 1060}
    assert hmac.compare_digest(signature, hmac.new(b"s" * 40, signed, hashlib.sha256).digest())
    assert not hmac.compare_digest(signature, hmac.new(b"t" * 40, signed, hashlib.sha256).digest())


def test_es256_is_verifiable_with_the_public_key():
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    t = tokens.sign({"roles": ["hub"]}, "ES256", pem, "jupyterhub", "oarspawner")
    _, claims, signature, signed = _parts(t)
    assert len(signature) == 64
    der = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    key.public_key().verify(der, signed, ec.ECDSA(hashes.SHA256()))
    assert claims["exp"] - claims["iat"] == 300


def test_unknown_algorithm_is_refused():
    with pytest.raises(ValueError, match="HS256, ES256 or RS256"):
        tokens.sign({}, "none", b"", "i", "a")
