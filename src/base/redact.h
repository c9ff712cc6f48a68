// URLs as they may be printed: credentials in them replaced by "***".
// Anything that prints a URL a user gave (errors, config check, notify test)
// prints RedactUrl(url), so a secret never reaches a log.
#pragma once

#include <string>
#include <string_view>

namespace logstream {

// "http://user:PASS@host/p?token=abc&x=1" -> "http://***@host/p?token=***&x=1":
// the userinfo, and the values of query parameters whose name looks secret
// (token, key, secret, password, pass, pwd, sig, signature, credential, auth,
// case-insensitive, also as a part such as access_token or X-Amz-Signature).
// Text without "://" is returned unchanged.
std::string RedactUrl(std::string_view url);

// Untrusted text (an object key, a line) made safe for a terminal or a log:
// control characters and bytes >= 0x7f as \xNN ("\0" for NUL), cut to
// max_bytes with "..." after.
std::string Printable(std::string_view text, size_t max_bytes = 200);

}  // namespace logstream
