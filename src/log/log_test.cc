#include "src/log/log_contract_test.h"
#include "src/log/memory_log.h"

namespace logstream {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, LogContractTest,
                         testing::Values(LogFactory{"Memory", [] { return std::make_unique<MemoryLog>(); }}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace logstream
