// Corpus replay for libFuzzer targets (tests/fuzz/CMakeLists.txt, ike_fuzz_target): runs the
// target's LLVMFuzzerTestOneInput on every file of tests/fuzz/corpus/<name>/ and on a
// deterministic set of mutations of each file (truncation at every length, 1-bit flips and
// 0x00/0xff byte substitutions over the first kMutateBytes bytes), in every build type. A crash
// is the failure; a fatal-signal handler names the input being replayed. Set
// IKE_FUZZ_REPLAY=<file> to replay one file (e.g. a crash-* artifact) instead of the corpus.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMutateBytes = 256;     // bit/byte flips cover this prefix
constexpr std::size_t kMaxTruncations = 512;  // truncation lengths per file (evenly spread)

// What is running, for the fatal-signal handler (async-signal-safe: a fixed buffer + write()).
char g_current[512] = "(none)";

void set_current(const std::string& what) {
  std::size_t n = std::min(what.size(), sizeof(g_current) - 1);
  std::memcpy(g_current, what.data(), n);
  g_current[n] = '\0';
}

extern "C" void on_fatal_signal(int sig) {
  const char prefix[] = "\n*** fuzz replay: fatal signal while running input: ";
  ssize_t ignored = write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
  ignored = write(STDERR_FILENO, g_current, std::strlen(g_current));
  ignored = write(STDERR_FILENO, "\n", 1);
  (void)ignored;
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_handlers() {
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, on_fatal_signal);
}

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> corpus_files() {
  std::vector<fs::path> files;
  if (const char* one = std::getenv("IKE_FUZZ_REPLAY"); one != nullptr && *one != '\0') {
    files.emplace_back(one);
    return files;
  }
  std::error_code ec;
  fs::path dir(IKE_FUZZ_CORPUS_DIR);
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().filename().string()[0] != '.') files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Runs one input; libFuzzer only allows 0 (and -1 = "do not add to corpus").
void run(const std::vector<uint8_t>& input, const std::string& what) {
  set_current(what);
  int rc = LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
  ASSERT_TRUE(rc == 0 || rc == -1) << what << ": LLVMFuzzerTestOneInput returned " << rc;
}

class FuzzReplay : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    install_handlers();
    if (LLVMFuzzerInitialize != nullptr) {
      static int argc = 1;
      static char arg0[] = IKE_FUZZ_TARGET_NAME "_replay";
      static char* argv_storage[] = {arg0, nullptr};
      static char** argv = argv_storage;
      LLVMFuzzerInitialize(&argc, &argv);
    }
  }
};

TEST_F(FuzzReplay, CorpusIsSeeded) {
  auto files = corpus_files();
  EXPECT_FALSE(files.empty()) << "no seed files under " << IKE_FUZZ_CORPUS_DIR
                              << " (every fuzz target needs a seed corpus)";
}

TEST_F(FuzzReplay, EmptyInput) { run({}, "<empty input>"); }

TEST_F(FuzzReplay, CorpusFiles) {
  for (const auto& f : corpus_files()) {
    auto data = read_file(f);
    ASSERT_NO_FATAL_FAILURE(run(data, f.string()));
  }
}

TEST_F(FuzzReplay, Truncations) {
  for (const auto& f : corpus_files()) {
    const auto data = read_file(f);
    const std::size_t n = data.size();
    const std::size_t step = std::max<std::size_t>(1, n / kMaxTruncations);
    for (std::size_t len = 0; len < n; len += step) {
      std::vector<uint8_t> cut(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(len));
      ASSERT_NO_FATAL_FAILURE(run(cut, f.string() + " truncated to " + std::to_string(len)));
    }
  }
}

TEST_F(FuzzReplay, BitFlips) {
  for (const auto& f : corpus_files()) {
    const auto data = read_file(f);
    const std::size_t limit = std::min(data.size(), kMutateBytes);
    for (std::size_t i = 0; i < limit; ++i) {
      for (unsigned bit = 0; bit < 8; ++bit) {
        auto m = data;
        m[i] = static_cast<uint8_t>(m[i] ^ (1u << bit));
        ASSERT_NO_FATAL_FAILURE(run(m, f.string() + " bit " + std::to_string(bit) +
                                           " flipped at byte " + std::to_string(i)));
      }
    }
  }
}

TEST_F(FuzzReplay, ByteSubstitutions) {
  for (const auto& f : corpus_files()) {
    const auto data = read_file(f);
    const std::size_t limit = std::min(data.size(), kMutateBytes);
    for (std::size_t i = 0; i < limit; ++i) {
      for (uint8_t v : {uint8_t{0x00}, uint8_t{0xff}}) {
        auto m = data;
        m[i] = v;
        ASSERT_NO_FATAL_FAILURE(run(m, f.string() + " byte " + std::to_string(i) + " set to " +
                                           std::to_string(v)));
      }
    }
  }
}

}  // namespace
