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


def test_a_signed_token_is_reused_until_shortly_before_it_expires(tmp_path):
    secret = tmp_path / "jwt-secret"
    secret.write_bytes(b"s" * 40 + b"\n")
    args = ({"sub": "jupyterhub", "roles": ["hub"]}, "HS256", str(secret), "jupyterhub", "oarspawner", 300)
    first = tokens.reused(*args, now=1000)
    # Reused for 300 - min(60, 300/5) = 240 s: each call no longer signs (and reads the key) again.
    assert tokens.reused(*args, now=1000) is first
    assert tokens.reused(*args, now=1239.9) is first
    renewed = tokens.reused(*args, now=1240)
    assert renewed != first
    header, claims, signature, signed = _parts(renewed)
    assert (claims["iat"], claims["exp"]) == (1240, 1540)
    assert hmac.compare_digest(signature, hmac.new(b"s" * 40, signed, hashlib.sha256).digest())
    # A short lifetime keeps a fifth of it as the margin: 60 s tokens are reused for 48 s.
    short = args[:5] + (60,)
    t = tokens.reused(*short, now=2000)
    assert tokens.reused(*short, now=2047.9) is t and tokens.reused(*short, now=2048) != t


def test_a_changed_key_file_is_signed_with_at_once(tmp_path):
    secret = tmp_path / "jwt-secret"
    secret.write_bytes(b"a" * 40)
    args = ({"roles": ["hub"]}, "HS256", str(secret), "jupyterhub", "oarspawner", 300)
    before = tokens.reused(*args, now=1000)
    secret.write_bytes(b"b" * 41)  # rotated: another size, and another mtime
    after = tokens.reused(*args, now=1001)
    _, _, signature, signed = _parts(after)
    assert after != before
    assert hmac.compare_digest(signature, hmac.new(b"b" * 41, signed, hashlib.sha256).digest())


def test_the_spawner_signs_once_for_many_calls_and_a_static_token_is_sent_as_is(tmp_path, monkeypatch):
    import types
    from oarspawner.spawner import OARSpawner

    secret = tmp_path / "jwt-secret"
    secret.write_bytes(b"s" * 40)
    signed = []
    real = tokens.sign
    monkeypatch.setattr(tokens, "sign", lambda *a, **k: signed.append(1) or real(*a, **k))
    user = types.SimpleNamespace(name="alice", url="/user/alice/")
    a, b = OARSpawner(user=user, jwt_secret_file=str(secret)), OARSpawner(user=user, jwt_secret_file=str(secret))
    assert len({a._token(), b._token(), a._token()}) == 1
    assert len(signed) == 1
    assert OARSpawner(user=user, static_token="ready-made")._token() == "ready-made"
