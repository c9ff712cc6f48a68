#include "src/cli/commands.h"

namespace logstream::cli {
void RegisterGenerate(CLI::App&, Context&) {}
}  // namespace logstream::cli
