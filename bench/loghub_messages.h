// The `Content` of each LogHub sample of testdata/loghub (LOGHUB_DIR
// overrides it), from <System>_2k.log_structured.csv, one vector per system
// (HDFS, Hadoop, Spark, Zookeeper, OpenStack, Apache, Linux, Android); empty
// vectors when the files are missing. Defined in template_bench.cc.
#pragma once

#include <string>
#include <vector>

namespace logstream {

const std::vector<std::vector<std::string>>& LoghubMessages();

}  // namespace logstream
