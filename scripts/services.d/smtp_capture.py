"""SMTP server that captures every message into a directory (for tests).

Usage: smtp_capture.py HOST PORT MAILDIR

One file per accepted message, MAILDIR/NNNNNN.eml (the raw message as
received, after the DATA command), written to a temporary name and renamed,
so a reader never sees half a message. Authentication (AUTH PLAIN/LOGIN,
also without TLS) is accepted for any user whose password is not "wrong";
the user name is recorded in an X-Captured-Auth header line. With
SMTP_AUTH_USER and SMTP_AUTH_PASSWORD in the environment (not on the command
line, so the password is not in `ps`), authentication is required (MAIL
before AUTH is refused with 530) and only that user and password pass.
Failed logins are counted on stdout (the log) without the credentials tried.
Runs until killed.
"""
import asyncio
import hmac
import itertools
import logging
import os
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Capture:
    def __init__(self, maildir):
        self.maildir = maildir
        self.seq = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.seq)
        path = os.path.join(self.maildir, f"{n:06d}.eml")
        head = f"X-Captured-From: {envelope.mail_from}\r\nX-Captured-To: {','.join(envelope.rcpt_tos)}\r\n"
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            head += f"X-Captured-Auth: {session.auth_data.login.decode()}\r\n"
        with open(path + ".tmp", "wb") as f:
            f.write(head.encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


REQUIRED = None  # (user, password) as bytes when SMTP_AUTH_USER/SMTP_AUTH_PASSWORD are set
FAILED = itertools.count(1)


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword)
    if ok and REQUIRED is not None:
        ok = hmac.compare_digest(auth_data.login, REQUIRED[0]) and \
            hmac.compare_digest(auth_data.password, REQUIRED[1])
    elif ok:
        ok = auth_data.password != b"wrong"
    if not ok:
        print(f"smtp_capture: failed {mechanism} login #{next(FAILED)}", flush=True)
    # auth_data kept on success: the session's LoginPassword names the user (X-Captured-Auth).
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


async def main(host, port, maildir):
    global REQUIRED
    os.makedirs(maildir, exist_ok=True)
    user, password = os.environ.get("SMTP_AUTH_USER"), os.environ.get("SMTP_AUTH_PASSWORD")
    if user and password:
        REQUIRED = (user.encode(), password.encode())
    # aiosmtpd warns (per connection) that AUTH without TLS is unsafe (intended
    # here), and about its own use of the deprecated Session.login_data.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").addFilter(
        lambda r: not any(m in r.getMessage() for m in ("auth_require_tls == False",
                                                         "Session.login_data is deprecated")))
    handler = Capture(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, authenticator=authenticate, auth_require_tls=False,
                     auth_required=REQUIRED is not None),
        host=host, port=port)
    print(f"smtp_capture: listening on {host}:{port}, mail in {maildir}"
          + (f", AUTH required (user {user})" if REQUIRED else ""), flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
