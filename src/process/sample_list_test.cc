#include "src/process/sample_list.h"

#include <gtest/gtest.h>

namespace logstream {
namespace {

TEST(SampleList, KeepsEachSampleWholeAndSharesARepeatedObject) {
  SampleList list;
  list.Add({"host-1/a.log", 10, 1000, Level::kWarn, "disk 91% full"});
  list.Add({"host-1/a.log", 20, 1001, Level::kError, ""});
  list.Add(SampleView::Of(AlertSample{"host-1/b.log", 30, 1002, Level::kFatal, "out of memory"}));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].Copy(), (AlertSample{"host-1/a.log", 10, 1000, Level::kWarn, "disk 91% full"}));
  EXPECT_EQ(list[1].Copy(), (AlertSample{"host-1/a.log", 20, 1001, Level::kError, ""}));
  EXPECT_EQ(list[2].Copy(), (AlertSample{"host-1/b.log", 30, 1002, Level::kFatal, "out of memory"}));
  EXPECT_EQ(list[0].object.data(), list[1].object.data());  // one copy of the shared object

  list.clear();
  EXPECT_TRUE(list.empty());
  list.Add({"x", 1, 2, Level::kInfo, "y"});
  EXPECT_EQ(list[0].Copy(), (AlertSample{"x", 1, 2, Level::kInfo, "y"}));
}

}  // namespace
}  // namespace logstream
