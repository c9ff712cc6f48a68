// The e-mail of an alert (pure functions, exposed for tests) and the SMTP
// sink built on libcurl (MakeEmailSink in sink.h). Thread-safe functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/base/time.h"
#include "src/notify/alert_text.h"

namespace logstream {

// "<ID@logstream>" with every byte of the alert id outside [A-Za-z0-9._-]
// written as =XX, so distinct ids give distinct Message-IDs.
std::string MessageIdFor(std::string_view alert_id);

// A header value from untrusted text: control characters (CR, LF, ...) become
// spaces; non-ASCII text is RFC 2047 encoded (=?UTF-8?B?...?=).
std::string HeaderValue(std::string_view text);

// The whole message (headers and plain-text body, CRLF line ends, lines
// below 1000 bytes): Subject naming rule, key and window; body with id,
// count, threshold, window and each sample line with its object and offset.
std::string AlertMail(const AlertFields& alert, std::string_view from,
                      const std::vector<std::string>& to, TimeMs now);

}  // namespace logstream
