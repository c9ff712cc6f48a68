// One readable line for an alert (the stdout sink), from its JSON.
#pragma once

#include <string>
#include <string_view>

namespace logstream {

// "ALERT error-burst host-2 [2026-11-24T00:00:10.000Z, +10s): 20 >= 20  id=..."
// Falls back to the raw JSON when it does not parse.
std::string AlertToText(std::string_view alert_json);

}  // namespace logstream
