// Local files parsed with [[formats]] as ingest would parse them: the same
// Ingester on an in-memory store and log (`formats test`, `templates`).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "src/base/status.h"
#include "src/cli/flags.h"
#include "src/ingest/ingester.h"
#include "src/log/log.h"

namespace logstream::cli {

// --config F, --format NAME and FILE... of a command on local files.
struct LocalFilesArgs {
  std::string config;
  std::string format;
  std::vector<std::string> files;
};
// Adds them to `cmd`; `with_format` says what --format does ("Parse every
// file with this format").
void AddLocalFilesOptions(CLI::App* cmd, LocalFilesArgs* args, const std::string& with_format);

// The ingest options of the file args.config for local files: one partition
// (records come back in line order), no cap on dead letters, and with
// args.format given only the format of that name, for every file
// (InvalidArgument listing the names when there is none).
Status LocalIngestOptions(const LocalFilesArgs& args, const GivenFlags& given,
                          IngestOptions* out);

struct LocalFile {
  // The object key the file is ingested under: the longest suffix of its
  // path (after a '/') that some format's `match` matches, else the path
  // itself (made relative, without "." and ".." segments).
  std::string key;
  const FormatConfig* format = nullptr;  // in the options; nullptr: the built-in
  std::string content;
  std::vector<LogRecordEntry> records, dead_letters;
  uint64_t lines = 0;  // read (records and dead letters are per line or record)
};

// An error when the file cannot be read or the options are wrong.
Result<LocalFile> IngestLocalFile(const std::string& path, const IngestOptions& options);

}  // namespace logstream::cli
