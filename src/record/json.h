// JSON codec for LogRecord: one JSON object per record, fields in this order:
//   {"source","object","offset","time","level","thread","logger","message"}
// and "fields" (an object of strings) last, only when the record has some.
// time is RFC 3339 UTC with milliseconds. Schema: docs/record.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "src/base/json_string.h"  // AppendJsonString, for the writers of record JSON
#include "src/base/status.h"
#include "src/record/log_record.h"

namespace logstream {

// Appends the record's JSON (no newline).
void AppendRecordJson(std::string_view source, std::string_view object, uint64_t offset,
                      const LogLine& line, std::string* out);
void AppendRecordJson(const LogRecord& record, std::string* out);

// The same in two steps, for many records of one object: the prefix
// `{"source":..,"object":..,"offset":` is built once per object.
std::string RecordJsonPrefix(std::string_view source, std::string_view object);
void AppendRecordJsonWithPrefix(std::string_view prefix, uint64_t offset, const LogLine& line,
                                std::string* out);
std::string RecordToJson(const LogRecord& record);
// Appends `,"fields":{...}` (the first value of each name).
void AppendFieldsJson(const FieldsView& fields, std::string* out);

// Decodes record JSON. Reuse one decoder per thread (it keeps its buffers).
class RecordDecoder {
 public:
  // Bytes that must be readable after the JSON for DecodeInPlace to parse it
  // without a copy (simdjson's padding; their content does not matter).
  static constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;

  // InvalidArgument naming the missing or malformed field.
  Result<LogRecord> Decode(std::string_view json);
  // The same without copying strings: the views point into this decoder's
  // buffers and stay valid until its next call.
  Result<LogRecordView> DecodeView(std::string_view json);
  // The same into *out, parsing json where it lies when `readable_after`
  // bytes after it may be read (at least kPadding; else it is copied first):
  // the views point into json or this decoder's buffers.
  Status DecodeInPlace(std::string_view json, size_t readable_after, LogRecordView* out);

 private:
  Status Parse(const char* json, size_t size, size_t capacity, LogRecordView* out);
  bool ParseInOrder(simdjson::ondemand::object& obj, LogRecordView* out);
  Status ParseAnyOrder(simdjson::ondemand::object& obj, LogRecordView* out);
  bool ParseTime(std::string_view s, TimeMs* out);
  bool ParseFields(simdjson::ondemand::value& v);  // into fields_

  simdjson::ondemand::parser parser_;
  std::string buffer_;
  std::vector<FieldView> fields_;  // of the record last decoded
  const char* first_backslash_ = nullptr;  // in the document being parsed (or its end)
  char day_text_[10] = {};  // the date of the last time parsed, and its ms
  TimeMs day_ms_ = -1;
};

}  // namespace logstream
