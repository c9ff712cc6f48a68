// AllRulesAggregator: fires per = "all" rules from the AllPartials of the
// engines of every partition (each counting its own sources), so that
// processors that split the partitions fire exactly what one engine over all
// partitions fires. It sums the counts per (rule, window); a window fires
// once, when its sum reaches min_count, with count = min_count (or the sum
// after the first partial past a cooldown) and the first max_samples
// samples in the order the partials arrived. Cooldown (event time) is
// checked against each partial's largest event time.
//
// Streaming, a window is dropped at TakeStateChanges (the processor's
// commit) once every partition that reported a mark is past it
// (AllPartials::mark), and partials for dropped windows are ignored (one
// engine over all partitions would not count those records either). With
// finite_input nothing is dropped. State: one entry per open window
// ("all/w/START") and one for the rest ("all/meta"), for the same compacted
// state topic as the engines'. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/process/config.h"
#include "src/process/window_engine.h"

namespace logstream {

class AllRulesAggregator {
 public:
  static Result<std::unique_ptr<AllRulesAggregator>> Create(const ProcessorConfig& config,
                                                            const EngineOptions& options = {});
  ~AllRulesAggregator();
  AllRulesAggregator(const AllRulesAggregator&) = delete;
  AllRulesAggregator& operator=(const AllRulesAggregator&) = delete;

  // Adds one partition's partials. Rules no longer configured are skipped.
  void Add(int partition, const AllPartials& partials);
  std::vector<Alert> TakeAlerts();
  // Changed entries (empty value: delete the key).
  std::vector<std::pair<std::string, std::string>> TakeStateChanges();
  // From the state topic's entries whose keys start with "all/" (others are
  // ignored). Needs a fresh aggregator. DataLoss if corrupt.
  Status RestoreState(const std::map<std::string, std::string>& state);
  int64_t alerts() const;

 private:
  struct Impl;
  explicit AllRulesAggregator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace logstream
