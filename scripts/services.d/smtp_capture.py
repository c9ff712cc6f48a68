"""SMTP server that captures every message into a directory (for tests).

Usage: smtp_capture.py HOST PORT MAILDIR

One file per accepted message, MAILDIR/NNNNNN.eml (the raw message as
received, after the DATA command), written to a temporary name and renamed,
so a reader never sees half a message. Authentication (AUTH PLAIN/LOGIN,
also without TLS) is accepted for any user whose password is not "wrong";
the user name is recorded in an X-Captured-Auth header line. Runs until
killed.
"""
import asyncio
import itertools
import os
import sys

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


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password != b"wrong"
    return AuthResult(success=ok, handled=False)


async def main(host, port, maildir):
    os.makedirs(maildir, exist_ok=True)
    handler = Capture(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, authenticator=authenticate, auth_require_tls=False),
        host=host, port=port)
    print(f"smtp_capture: listening on {host}:{port}, mail in {maildir}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
