// Line reader (4 KiB lines, overlong lines discarded to the next newline, partial lines kept
// across reads) and the FIFO channel (mode 0600, stale FIFO replaced, regular file refused).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "daemon/fifo_ui.h"

namespace ike::daemon {
namespace {

using Kind = LineReader::Event::Kind;

std::vector<LineReader::Event> feed_all(LineReader& r, std::initializer_list<std::string> chunks) {
  std::vector<LineReader::Event> out;
  for (const auto& c : chunks) r.feed(c, out);
  return out;
}

TEST(LineReader, SplitsLinesAndKeepsPartialsAcrossReads) {
  LineReader r;
  auto ev = feed_all(r, {"C set [a]:b", "=c force\nS\n", "Q"});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].text, "C set [a]:b=c force");
  EXPECT_EQ(ev[1].text, "S");
  EXPECT_EQ(r.buffered(), 1u);
  ev = feed_all(r, {"\n\n"});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].text, "Q");
  EXPECT_EQ(ev[1].text, "");
  EXPECT_FALSE(r.finish().has_value());
}

TEST(LineReader, MaximumLineIsAccepted) {
  LineReader r(16);
  auto ev = feed_all(r, {std::string(16, 'a') + "\n"});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Kind::Line);
  EXPECT_EQ(ev[0].text.size(), 16u);
}

TEST(LineReader, OverlongLinesAreReportedOnceAndDiscarded) {
  LineReader r(16);
  auto ev = feed_all(r, {"c " + std::string(10, 'x'), std::string(10, 'y'), std::string(100, 'z'),
                         "zz\nS\n"});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, Kind::Overlong);
  EXPECT_EQ(ev[0].text.substr(0, 12), "c xxxxxxxxxx");
  EXPECT_EQ(ev[1].kind, Kind::Line);
  EXPECT_EQ(ev[1].text, "S");
  // A long line in a single chunk followed by a good line.
  ev = feed_all(r, {std::string(40, 'q') + "\nT\n"});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, Kind::Overlong);
  EXPECT_EQ(ev[1].text, "T");
}

TEST(LineReader, DefaultLimitIsFourKiB) {
  LineReader r;
  auto ev = feed_all(r, {std::string(4096, 'a') + "\n" + std::string(4097, 'b') + "\nR\n"});
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].kind, Kind::Line);
  EXPECT_EQ(ev[1].kind, Kind::Overlong);
  EXPECT_EQ(ev[1].text.size(), 64u);
  EXPECT_EQ(ev[2].text, "R");
}

TEST(LineReader, FinishReturnsUnterminatedLine) {
  LineReader r;
  std::vector<LineReader::Event> ev;
  r.feed("Q", ev);
  EXPECT_TRUE(ev.empty());
  auto last = r.finish();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->text, "Q");
}

class FifoChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ike_fifo_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::string m_dir;
};

TEST_F(FifoChannelTest, CreatesPrivateFifoAndReadsLines) {
  std::string path = m_dir + "/isakmpd.fifo";
  auto ch = FifoChannel::open(path);
  ASSERT_TRUE(ch) << ch.error().detail;
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  int w = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
  ASSERT_GE(w, 0);
  std::string data = "c conn\nS";
  ASSERT_EQ(::write(w, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(w);  // the daemon holds O_RDWR: no EOF when writers go away
  std::vector<LineReader::Event> ev;
  ASSERT_TRUE(ch->read_available(ev));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].text, "c conn");
  EXPECT_FALSE(ch->eof());
  w = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
  ASSERT_EQ(::write(w, "\n", 1), 1);
  ::close(w);
  ev.clear();
  ASSERT_TRUE(ch->read_available(ev));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].text, "S");

  ch->close_and_remove();
  EXPECT_NE(::lstat(path.c_str(), &st), 0);
}

TEST_F(FifoChannelTest, ReplacesStaleFifo) {
  std::string path = m_dir + "/stale.fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0666), 0);
  auto ch = FifoChannel::open(path);
  ASSERT_TRUE(ch) << ch.error().detail;
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(FifoChannelTest, RefusesRegularFile) {
  std::string path = m_dir + "/regular";
  std::ofstream(path) << "precious\n";
  auto ch = FifoChannel::open(path);
  ASSERT_FALSE(ch);
  EXPECT_EQ(ch.error().detail,
            "FIFO: refusing to replace " + path + ": it exists and is not a FIFO");
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "precious");
}

TEST_F(FifoChannelTest, RefusesSymlink) {
  std::string target = m_dir + "/target";
  std::string path = m_dir + "/link";
  std::ofstream(target) << "x";
  std::filesystem::create_symlink(target, path);
  EXPECT_FALSE(FifoChannel::open(path));
  EXPECT_TRUE(std::filesystem::is_regular_file(target));
}

TEST_F(FifoChannelTest, StandardInputFlagsAreRestored) {
  int before = ::fcntl(STDIN_FILENO, F_GETFL);
  ASSERT_GE(before, 0);
  {
    auto ch = FifoChannel::open("-");
    ASSERT_TRUE(ch) << ch.error().detail;
    EXPECT_EQ(ch->fd(), STDIN_FILENO);
    EXPECT_NE(::fcntl(STDIN_FILENO, F_GETFL) & O_NONBLOCK, 0);
  }
  EXPECT_EQ(::fcntl(STDIN_FILENO, F_GETFL), before);
}

TEST_F(FifoChannelTest, MissingDirectoryIsAnError) {
  auto ch = FifoChannel::open(m_dir + "/no/such/dir/fifo");
  ASSERT_FALSE(ch);
  EXPECT_NE(ch.error().detail.find("mkfifo"), std::string::npos);
}

}  // namespace
}  // namespace ike::daemon
