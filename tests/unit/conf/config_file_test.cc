// File loading: the fail-closed secrecy check (mode, owner, symlink, FIFO, directory, size),
// the all-or-nothing reload (a failed reload leaves the old configuration), defaults applied
// after the file, and validation errors naming file and line. Uses private temp directories.
#include "conf/config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "conf/defaults.h"

namespace ike::conf {
namespace {

namespace fs = std::filesystem;

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ike_conf_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    m_dir = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    std::string path = (m_dir / name).string();
    {
      std::ofstream out(path, std::ios::binary);
      out << text;
    }
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }
  fs::path m_dir;
};

constexpr const char* kGood =
    "[General]\n"
    "Retransmits=5\n"
    "[Phase 1]\n"
    "192.0.2.2=peer-east\n";

TEST_F(ConfigFileTest, Mode0600IsAcceptedAndDefaultsAreAdded) {
  std::string path = write("isakmpd.conf", kGood, 0600);
  ConfDb db;
  auto r = load_config_file(path, db);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->source, path);
  EXPECT_EQ(r->sections, 2u);
  EXPECT_EQ(r->tags, 2u);
  EXPECT_EQ(db.get("General", "Retransmits"), "5");
  EXPECT_EQ(db.get("Phase 1", "192.0.2.2"), "peer-east");
  EXPECT_EQ(db.get("Phase 1", "Default"), "Default-phase-1");
  EXPECT_EQ(db.get("General", "Exchange-max-time"), "120");
  EXPECT_TRUE(db.has_section("QM-ESP-AES-SHA2-256-PFS-SUITE"));
  EXPECT_EQ(db.dump_non_default(),
            "[General]\nRetransmits=\t5\n\n[Phase 1]\n192.0.2.2=\tpeer-east\n");
}

TEST_F(ConfigFileTest, Mode0400IsAccepted) {
  std::string path = write("ro.conf", kGood, 0400);
  ConfDb db;
  EXPECT_TRUE(load_config_file(path, db));
}

TEST_F(ConfigFileTest, GroupOrOtherBitsAreRefused) {
  struct Case {
    mode_t mode;
    const char* words;
  };
  for (Case c : {Case{0644, "0644 is readable by group/other"},
                 Case{0640, "0640 is readable by group/other"},
                 Case{0604, "0604 is readable by group/other"},
                 Case{0620, "0620 is writable by group/other"},
                 Case{0666, "0666 is readable/writable by group/other"},
                 Case{0601, "0601 is executable by group/other"}}) {
    std::string path = write("open.conf", kGood, c.mode);
    ConfDb db;
    auto r = load_config_file(path, db);
    ASSERT_FALSE(r) << std::oct << c.mode;
    EXPECT_EQ(r.error().code, base::ErrorCode::Config);
    EXPECT_EQ(r.error().detail,
              "refusing " + path + ": mode " + c.words + "; chmod 600 " + path);
    EXPECT_EQ(db.size(), 0u) << "fail closed: not even the defaults";
  }
}

TEST_F(ConfigFileTest, SymlinkIsRefused) {
  std::string target = write("real.conf", kGood, 0600);
  std::string link = (m_dir / "link.conf").string();
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  ConfDb db;
  auto r = load_config_file(link, db);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, base::ErrorCode::Config);
  EXPECT_EQ(r.error().detail,
            "refusing " + link + ": it is a symbolic link; point the daemon at the file itself");
}

TEST_F(ConfigFileTest, FifoAndDirectoryAreRefusedWithoutBlocking) {
  std::string fifo = (m_dir / "fifo.conf").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ConfDb db;
  auto r = load_config_file(fifo, db);  // must not block waiting for a writer
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "refusing " + fifo + ": it is a FIFO; a regular file is required");

  std::string dir = (m_dir / "dir.conf").string();
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  r = load_config_file(dir, db);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail,
            "refusing " + dir + ": it is a directory; a regular file is required");
}

TEST_F(ConfigFileTest, MissingFileIsNotFound) {
  ConfDb db;
  std::string path = (m_dir / "absent.conf").string();
  auto r = load_config_file(path, db);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, base::ErrorCode::NotFound);
  EXPECT_NE(r.error().detail.find(path), std::string::npos);
}

TEST_F(ConfigFileTest, OversizedFileIsRefused) {
  std::string path = write("big.conf", "", 0600);
  ASSERT_EQ(truncate(path.c_str(), static_cast<off_t>(kMaxConfigFileSize + 1)), 0);
  ConfDb db;
  auto r = load_config_file(path, db);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "refusing " + path + ": size 67108865 bytes exceeds the limit of "
                                                   "67108864 bytes");
  auto small = read_secret_file(write("s.conf", "0123456789", 0600), 4);
  ASSERT_FALSE(small);
}

TEST_F(ConfigFileTest, ForeignOwnerIsRefused) {
  std::string path = write("owned.conf", kGood, 0600);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const auto me = static_cast<uint32_t>(geteuid());
  EXPECT_TRUE(check_file_secrecy(fd, path, me));
  EXPECT_TRUE(check_file_secrecy(fd, path));
  if (me != 0) {
    // Owned by us, but we pretend the daemon runs as another uid.
    auto r = check_file_secrecy(fd, path, me + 1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().detail, "refusing " + path + ": owned by uid " + std::to_string(me) +
                                    ", but only root (uid 0) or uid " + std::to_string(me + 1) +
                                    " may own it; chown " + std::to_string(me + 1) + " " + path);
  } else {
    ASSERT_EQ(fchown(fd, 65534, 65534), 0);
    auto r = check_file_secrecy(fd, path);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().detail.find("owned by uid 65534"), std::string::npos);
    ConfDb db;
    EXPECT_FALSE(load_config_file(path, db));
  }
  close(fd);
}

TEST_F(ConfigFileTest, FailedReloadKeepsTheOldConfiguration) {
  ConfDb db;
  ASSERT_TRUE(load_config_file(write("a.conf", kGood, 0600), db));
  TxId fifo = db.begin();
  db.set(fifo, "Phase 2", "Connections", "IPsec-x", false);

  std::string snapshot = db.dump_non_default();
  std::size_t size = db.size();
  auto r = load_config_file(write("b.conf", "[General]\nRetransmits=9\nbroken line\n", 0600), db);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("b.conf:3: syntax error"), std::string::npos)
      << r.error().detail;
  EXPECT_EQ(db.dump_non_default(), snapshot);
  EXPECT_EQ(db.size(), size);
  r = load_config_file(write("c.conf", kGood, 0644), db);
  ASSERT_FALSE(r);
  EXPECT_EQ(db.dump_non_default(), snapshot);
  ASSERT_TRUE(db.commit(fifo)) << "pending transactions survive a failed reload";

  // A successful reload drops FIFO-made changes (isakmpd `R` / SIGHUP semantics).
  ASSERT_TRUE(load_config_file(write("d.conf", "[General]\nRetransmits=4\n", 0600), db));
  EXPECT_EQ(db.get("General", "Retransmits"), "4");
  EXPECT_FALSE(db.get("Phase 2", "Connections"));
  EXPECT_FALSE(db.get("Phase 1", "192.0.2.2"));
  EXPECT_EQ(db.get("Phase 1", "Default"), "Default-phase-1");
}

TEST(ConfigText, ValidationNamesFileAndLine) {
  ConfDb db;
  auto r = load_config_text("[General]\nCheck-interval=60\nRetransmits=lots\n", "t.conf", db);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail,
            "t.conf:3: [General]:Retransmits: \"lots\" is not a decimal integer");
  r = load_config_text("[General]\n\nDefault-phase-1-lifetime=3600,60\n", "t.conf", db);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail,
            "t.conf:3: [General]:Default-phase-1-lifetime: offer/accept range \"3600,60\": "
            "missing ':' between MIN and MAX (expected \"X\", \"X,MIN:MAX\" or ANY)");
  r = load_config_text("[General]\nDefault-phase-2-lifetime=ANY\n", "t.conf", db);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail,
            "t.conf:2: [General]:Default-phase-2-lifetime: ANY is not a lifetime to offer");
  r = load_config_text("[General]\nExchange-max-time=-5\n", "t.conf", db);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "t.conf:2: [General]:Exchange-max-time: -5 is negative");
  EXPECT_EQ(db.size(), 0u);
}

TEST(ConfigText, WarningsAreReported) {
  ConfDb db;
  auto r = load_config_text("[General]\nRetransmits=5\nRetransmits=6\n", "t.conf", db);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0],
            "t.conf:3: duplicate tag [General]:Retransmits, ignoring (the value from line 2 is "
            "kept)");
  EXPECT_EQ(db.get("General", "Retransmits"), "5");
}

TEST(ConfigText, LifetimeDefaultsFollowTheFile) {
  ConfDb db;
  ASSERT_TRUE(load_config_text("[General]\nDefault-phase-1-lifetime=28800,60:86400\n", "t", db));
  EXPECT_EQ(db.get("LIFE_MAIN_MODE", "LIFE_DURATION"), "28800,60:86400");
  EXPECT_EQ(db.get("LIFE_QUICK_MODE", "LIFE_DURATION"), kDefaultPhase2Lifetime);
}

}  // namespace
}  // namespace ike::conf
