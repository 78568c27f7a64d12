// The real (non -n) mode writes to isakmpd's FIFO exactly the lines `-nv` prints: a reader on a
// real FIFO receives them byte for byte, for add and for delete (-d). Errors: not a FIFO.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fifo_writer.h"
#include "run_helper.h"

namespace ike::ipsecctl::test {
namespace {

namespace fs = std::filesystem;

class Fifo : public ::testing::Test {
 protected:
  void SetUp() override {
    m_path = (fs::temp_directory_path() /
              ("ipsecctl_fifo_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                 .string();
    ASSERT_EQ(::mkfifo(m_path.c_str(), 0600), 0);
    // The reader end plays isakmpd: opened first (non-blocking so open does not wait).
    m_reader = ::open(m_path.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(m_reader, 0);
  }
  void TearDown() override {
    if (m_reader >= 0) ::close(m_reader);
    std::remove(m_path.c_str());
  }
  std::string drain() {
    std::string got;
    char buf[4096];
    while (true) {
      ssize_t n = ::read(m_reader, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }
  std::string m_path;
  int m_reader = -1;
};

const std::string kRules =
    "ike esp from 10.1.1.0/24 to 10.1.2.0/24 peer 192.0.2.2 psk xyz\n"
    "ike passive esp from 10.3.0.0/16 to 10.4.0.0/16 peer 192.0.2.3\n";

TEST_F(Fifo, SentLinesAreThePrintedLines) {
  auto printed = run_ipsecctl({"-nv", "-f", "-"}, kRules);
  ASSERT_EQ(printed.status, 0);
  auto sent = run_ipsecctl({"-i", m_path, "-f", "-"}, kRules);
  EXPECT_EQ(sent.status, 0) << sent.err;
  EXPECT_EQ(sent.out, "");
  EXPECT_EQ(drain(), printed.out);
  EXPECT_NE(printed.out.find("C set [peer-192.0.2.2]:Authentication=xyz force\n"),
            std::string::npos);
}

TEST_F(Fifo, DeleteSendsTheTeardownSequence) {
  auto sent = run_ipsecctl({"-d", "-i", m_path, "-f", "-"}, kRules);
  EXPECT_EQ(sent.status, 0) << sent.err;
  EXPECT_EQ(drain(),
            "t from-10.1.1.0/24-to-10.1.2.0/24\n"
            "C rmv [Phase 2]:Connections=from-10.1.1.0/24-to-10.1.2.0/24\n"
            "C rms [from-10.1.1.0/24-to-10.1.2.0/24]\n"
            "C rms [phase2-from-10.1.1.0/24-to-10.1.2.0/24]\n"
            "t from-10.3.0.0/16-to-10.4.0.0/16\n"
            "C rmv [Phase 2]:Passive-Connections=from-10.3.0.0/16-to-10.4.0.0/16\n"
            "C rms [from-10.3.0.0/16-to-10.4.0.0/16]\n"
            "C rms [phase2-from-10.3.0.0/16-to-10.4.0.0/16]\n");
}

TEST(FifoWriter, RefusesAFileThatIsNotAFifo) {
  const std::string path =
      (fs::temp_directory_path() / ("ipsecctl_plain_" + std::to_string(::getpid()))).string();
  std::ofstream(path) << "";
  auto s = write_fifo_lines(path, {"C set [a]:b=c force"});
  std::remove(path.c_str());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, path + ": not a fifo");
}

TEST(FifoWriter, MissingPath) {
  auto s = write_fifo_lines("/nonexistent/isakmpd.fifo", {"x"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "open(/nonexistent/isakmpd.fifo): No such file or directory");
}

}  // namespace
}  // namespace ike::ipsecctl::test
