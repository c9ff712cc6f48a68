// The HTTP webhook sink (MakeWebhookSink in sink.h): POSTs the alert JSON.
// Headers: Content-Type: application/json, X-Logstream-Alert-Id, optional
// Authorization: Bearer TOKEN, optional X-Logstream-Signature: sha256=HEX
// (HMAC-SHA256 of the body keyed with the secret). 2xx = OK; 408, 429, 5xx
// and connection errors = RETRY; other statuses = ERROR.
#pragma once

#include <string>
#include <string_view>

namespace logstream {

// Lower-case hex HMAC-SHA256 of body under key (what a receiver recomputes).
std::string HmacSha256Hex(std::string_view key, std::string_view body);

}  // namespace logstream
