// The libFuzzer entry points driven without libFuzzer: each file named on the command line (a
// directory: every file under it, in name order) goes once through LLVMFuzzerTestOneInput. This
// is how `make test` replays the regression inputs, the hardening inputs and the seed corpus with
// the ordinary g++ build and the libraries it has already built; the fuzzing itself, with clang,
// sanitizers and new inputs, is `make fuzz-smoke` and `make fuzz`. A finding aborts, as under
// libFuzzer, after "Running: FILE" has named the input.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional in a target, as under libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

// The files an argument names; false (after a message naming it) when it does not exist.
bool collect(const std::string& arg, std::vector<fs::path>& files) {
  std::error_code ec;
  if (fs::is_directory(arg, ec)) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::recursive_directory_iterator(arg, ec))
      if (entry.is_regular_file()) found.push_back(entry.path());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
    return !ec;
  }
  if (fs::is_regular_file(arg, ec)) {
    files.emplace_back(arg);
    return true;
  }
  std::fprintf(stderr, "fuzz replay: no such file or directory '%s'\n", arg.c_str());
  return false;
}

bool run_one(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz replay: cannot read '%s'\n", file.c_str());
    return false;
  }
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "Running: %s\n", file.c_str());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i)
    if (!collect(argv[i], files)) return 2;
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  for (const auto& file : files)
    if (!run_one(file)) return 2;
  std::printf("%zu inputs replayed\n", files.size());
  return 0;
}
