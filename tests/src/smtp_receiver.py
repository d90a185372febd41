"""An SMTP server on loopback for Signet's alert tests (Debian's python3-aiosmtpd).

It requires STARTTLS and AUTH (LOGIN/PLAIN) with the given user and password, as a real
relay does, and writes each accepted message to OUTDIR as NNNN.json: the envelope, whether
the session was encrypted and authenticated, and the raw message.

usage: smtp_receiver.py CERT KEY OUTDIR PORT USER PASSWORD
"""
import json
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

cert, key, outdir, port, user, password = sys.argv[1:7]


class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(outdir) if f.endswith(".json")])
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "data": (envelope.original_content or envelope.content).decode("utf-8", "replace"),
        }
        tmp = os.path.join(outdir, f"{n:04}.tmp")
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(outdir, f"{n:04}.json"))
        return "250 2.0.0 accepted"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == user.encode()
        and auth_data.password == password.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
controller = Controller(
    Handler(),
    hostname="127.0.0.1",
    port=int(port),
    tls_context=context,
    require_starttls=True,
    authenticator=authenticate,
    auth_required=True,
    auth_require_tls=True,
)
controller.start()
print("ready", flush=True)
while True:  # until the test harness kills it
    time.sleep(3600)
