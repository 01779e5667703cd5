"""Throw-away TLS for the sandbox on loopback: a tiny CA and a server cert it signs."""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _reusable(paths: dict[str, Path], now: datetime.datetime) -> bool:
    if not all(p.exists() for p in paths.values()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(paths["certfile"].read_bytes())
    except ValueError:
        return False
    return cert.not_valid_after_utc > now + datetime.timedelta(days=1)


def make_test_certificates(
    directory: str | os.PathLike | None = None, reuse: bool = False
) -> dict[str, str]:
    """Write ``ca.pem``, ``server.pem`` and ``server-key.pem`` for 127.0.0.1/localhost/::1.

    A separate CA (rather than one self-signed leaf) keeps strict verifiers happy
    (Python 3.13's ``VERIFY_X509_STRICT``, browsers). With ``reuse``, valid files already
    in ``directory`` are kept, so clients that trust the CA keep working across restarts.
    Returns the three file paths (keys ``cafile``, ``certfile``, ``keyfile``).
    """
    out = Path(directory or tempfile.mkdtemp(prefix="pushseg-sandbox-tls-"))
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "cafile": out / "ca.pem",
        "certfile": out / "server.pem",
        "keyfile": out / "server-key.pem",
    }
    now = datetime.datetime.now(datetime.UTC)
    if reuse and _reusable(paths, now):
        return {k: str(v) for k, v in paths.items()}
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=30)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("wagtail-pushseg sandbox test CA"))
        .issuer_name(_name("wagtail-pushseg sandbox test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    paths["cafile"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths["certfile"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["keyfile"].write_bytes(_key_pem(key))
    os.chmod(paths["keyfile"], 0o600)
    return {k: str(v) for k, v in paths.items()}


def self_signed_tls(
    directory: str | os.PathLike | None = None, reuse: bool = False
) -> tuple[ssl.SSLContext, str]:
    """A server ``SSLContext`` for loopback and the CA file clients should trust.

    Use as ``ctx, cafile = self_signed_tls()``, then ``PushSandbox(ssl_context=ctx)``
    and e.g. ``requests.Session().verify = cafile``.
    """
    files = make_test_certificates(directory, reuse=reuse)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(files["certfile"], files["keyfile"])
    return ctx, files["cafile"]
