// Alerts as the notifier sees them: the fields of an alert's JSON (written by
// src/process/window_engine.h AppendAlertJson) and one readable line for the
// stdout sink. Plain functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"

namespace logstream {

struct AlertSampleFields {
  std::string object;
  uint64_t offset = 0;
  std::string time;
  std::string level;
  std::string message;
};

// One of the templates the alert's window holds most of (log templates on).
struct AlertTemplateFields {
  std::string id;    // 16 hex digits
  std::string text;  // "Timeout waiting for lock on <*> after <*> ms"
  int64_t count = 0;
  AlertSampleFields sample;  // its first record in the window
};

struct AlertFields {
  std::string id;  // RULE/KEY/WINDOW_START
  std::string rule;
  std::string key;
  std::string window_start, window_end;  // RFC 3339
  int64_t count = 0, threshold = 0;
  std::vector<AlertSampleFields> samples;
  std::vector<AlertTemplateFields> templates;  // most frequent first
};

// Decodes an alert's JSON; InvalidArgument when it is not an alert.
Result<AlertFields> ParseAlert(std::string_view alert_json);

// "[start, +10s)" from the window's bounds (the raw start when they don't parse).
std::string WindowText(const AlertFields& alert);

// "ALERT error-burst host-2 [2026-11-24T00:00:10.000Z, +10s): 20 >= 20" and
// the top template ("  top: 7x \"Timeout on <*>\" e.g. OBJECT@OFFSET") or,
// without templates, one sample ("  e.g. OBJECT@OFFSET: MESSAGE"). Falls back
// to the raw JSON when it does not parse.
std::string AlertToText(std::string_view alert_json);

}  // namespace logstream
