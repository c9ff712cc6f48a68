// The generator's settings, declared once: [generator] and
// [generator.levels] in TOML, the same names in kebab-case as flags of
// `logstream generate` and `logstream run` (--min-string, --error-range LO,HI).
#pragma once

#include "src/base/options.h"
#include "src/generate/generator.h"

namespace logstream {

const opt::Table<GeneratorOptions>& GeneratorTable();
const opt::Table<GeneratorOptions>& GeneratorLevelsTable();  // [generator.levels]

// As on the command line, a burst parameter (burst_period, burst_length,
// burst_share, burst_hosts) set by anything turns bursts on unless `burst`
// itself was set.
void ApplyBurstImplied(const opt::Provenance& provenance, GeneratorOptions* options);

}  // namespace logstream
