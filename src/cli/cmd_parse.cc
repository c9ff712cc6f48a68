#include "src/cli/commands.h"

namespace logstream::cli {
void RegisterParse(CLI::App&, Context&) {}
}  // namespace logstream::cli
