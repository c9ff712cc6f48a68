// A main for the fuzz targets outside the fuzz build: runs
// LLVMFuzzerTestOneInput once on each file named on the command line (a
// directory stands for the files in it, sorted), so the committed corpus and
// crash regressions replay with any compiler (ctest label `fuzz`). A crash
// or failed invariant aborts naming the file. A directory that does not
// exist holds no inputs (a target without regressions has no folder).
//   NAME FILE_OR_DIR...
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    if (fs::is_directory(arg)) {
      std::vector<fs::path> in_dir;
      for (const auto& e : fs::directory_iterator(arg)) {
        if (e.is_regular_file()) in_dir.push_back(e.path());
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::is_regular_file(arg)) {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "no inputs in %s (it does not exist)\n", argv[i]);
    }
  }
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "running %s (%zu bytes)\n", f.c_str(), data.size());
    // A copy of exactly the input's size, so ASan sees reads past its end.
    std::vector<uint8_t> copy(data.begin(), data.end());
    uint8_t* p = copy.empty() ? nullptr : copy.data();
    LLVMFuzzerTestOneInput(p, copy.size());
  }
  std::printf("%s: %zu inputs ran without a crash\n", argv[0], files.size());
  return 0;
}
