// JSON string literals: escaping for every piece of JSON the pipeline
// writes by hand (records, alerts, AWS requests, Lambda replies).
//
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace logstream {

// Appends s as a JSON string literal (quotes included). Valid UTF-8 passes
// through; control characters are escaped; bytes that are not valid UTF-8
// become U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string_view s, std::string* out);

// The same as a new string.
std::string JsonQuote(std::string_view s);

}  // namespace logstream
