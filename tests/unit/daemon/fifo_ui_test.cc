// FIFO command parser: every isakmpd command with ui.c's sscanf semantics, 200-character
// limits, the force token, and malformed lines (each with its reason).
#include "daemon/fifo_ui.h"

#include <gtest/gtest.h>

#include <string>

namespace ike::daemon {
namespace {

template <class T>
T parse_as(std::string_view line) {
  auto r = parse_ui_line(line);
  EXPECT_TRUE(r) << "line \"" << line << "\": " << (r ? "" : r.error().detail);
  if (!r) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(*r)) << "line \"" << line << "\" index " << r->index();
  return std::holds_alternative<T>(*r) ? std::get<T>(*r) : T{};
}

std::string reject(std::string_view line) {
  auto r = parse_ui_line(line);
  EXPECT_FALSE(r) << "line \"" << line << "\" was accepted";
  return r ? std::string() : r.error().detail;
}

TEST(ParseUiLine, ConfSet) {
  EXPECT_EQ(parse_as<UiConfSet>("C set [General]:Retransmits=5"),
            (UiConfSet{"General", "Retransmits", "5", false}));
  EXPECT_EQ(parse_as<UiConfSet>("C set [peer-192.0.2.2]:Phase=1 force"),
            (UiConfSet{"peer-192.0.2.2", "Phase", "1", true}));
  // Any 4th token means force (ui.c: items == 4).
  EXPECT_TRUE(parse_as<UiConfSet>("C set [a]:b=c whatever").force);
  // Section names may contain spaces, '/', ':' and '='.
  EXPECT_EQ(parse_as<UiConfSet>(
                "C set [from-10.1.1.0/24-to-10.1.2.0/24]:Local-ID=from-10.1.1.0/24 force"),
            (UiConfSet{"from-10.1.1.0/24-to-10.1.2.0/24", "Local-ID", "from-10.1.1.0/24", true}));
  EXPECT_EQ(parse_as<UiConfSet>("C set [Phase 1]:192.0.2.2=peer-192.0.2.2 force").section,
            "Phase 1");
  EXPECT_EQ(parse_as<UiConfSet>("C set [a:b=c d]:t=v").section, "a:b=c d");
  // Subcommand is case-insensitive; the value is one whitespace-free token.
  auto s = parse_as<UiConfSet>("C SET [x]:KEY_LENGTH=128,128:256   force");
  EXPECT_EQ(s.value, "128,128:256");
  EXPECT_TRUE(s.force);
  // sscanf: the space in "C %200s" matches zero blanks, and the value may contain '='.
  EXPECT_EQ(parse_as<UiConfSet>("Cset [x]:y=a=b"), (UiConfSet{"x", "y", "a=b", false}));
  // The tag is %200[^=]: everything up to '=', blanks included (as isakmpd stores it).
  EXPECT_EQ(parse_as<UiConfSet>("C set [x]:my tag =v").tag, "my tag ");
  // A PSK with a space is cut at the space and the rest becomes the force token (isakmpd).
  auto psk = parse_as<UiConfSet>("C set [p]:Authentication=a b");
  EXPECT_EQ(psk.value, "a");
  EXPECT_TRUE(psk.force);
}

TEST(ParseUiLine, ConfAddRmvRmRmsGet) {
  EXPECT_EQ(parse_as<UiConfAdd>("C add [Phase 2]:Connections=conn-a"),
            (UiConfAdd{"Phase 2", "Connections", "conn-a"}));
  EXPECT_EQ(parse_as<UiConfAdd>("C add [p]:Transforms=x force"), (UiConfAdd{"p", "Transforms", "x"}));
  EXPECT_EQ(parse_as<UiConfRemoveValue>("C rmv [Phase 2]:Connections=conn-a"),
            (UiConfRemoveValue{"Phase 2", "Connections", "conn-a"}));
  EXPECT_EQ(parse_as<UiConfRemoveTag>("C rm [General]:Retransmits"),
            (UiConfRemoveTag{"General", "Retransmits"}));
  EXPECT_EQ(parse_as<UiConfRemoveSection>("C rms [from-10.1.1.0/24-to-10.1.2.0/24]"),
            (UiConfRemoveSection{"from-10.1.1.0/24-to-10.1.2.0/24"}));
  EXPECT_EQ(parse_as<UiConfGet>("C get [General]:Retransmits"),
            (UiConfGet{"General", "Retransmits"}));
  EXPECT_EQ(parse_as<UiConfGet>("C Get  [Phase 1]:Default"), (UiConfGet{"Phase 1", "Default"}));
}

TEST(ParseUiLine, ConfMalformed) {
  EXPECT_EQ(reject("C"), "C: missing subcommand (set, add, rmv, rm, rms or get)");
  EXPECT_EQ(reject("C frob [a]:b=c"),
            "C: unknown subcommand \"frob\" (expected set, add, rmv, rm, rms or get)");
  EXPECT_EQ(reject("C set [a]:b"), "C set: expected \"C set [section]:tag=value [force]\"");
  EXPECT_EQ(reject("C set [a]:b="), "C set: expected \"C set [section]:tag=value [force]\"");
  EXPECT_EQ(reject("C set []:b=c"), "C set: expected \"C set [section]:tag=value [force]\"");
  EXPECT_EQ(reject("C set a:b=c"), "C set: expected \"C set [section]:tag=value [force]\"");
  EXPECT_EQ(reject("C set [a]b=c"), "C set: expected \"C set [section]:tag=value [force]\"");
  EXPECT_EQ(reject("C set [a:b=c"), "C set: expected \"C set [section]:tag=value [force]\"");
  EXPECT_EQ(reject("C add [a]:=c"), "C add: expected \"C add [section]:tag=value\"");
  EXPECT_EQ(reject("C rmv [a]:b"), "C rmv: expected \"C rmv [section]:tag=value\"");
  EXPECT_EQ(reject("C rm [a]"), "C rm: expected \"C rm [section]:tag\"");
  EXPECT_EQ(reject("C rms"), "C rms: expected \"C rms [section]\"");
  EXPECT_EQ(reject("C get [a]:"), "C get: expected \"C get [section]:tag\"");
}

TEST(ParseUiLine, TwoHundredCharacterLimits) {
  std::string s200(200, 's');
  std::string s201(201, 's');
  EXPECT_EQ(parse_as<UiConfSet>("C set [" + s200 + "]:" + s200 + "=" + s200 + " force"),
            (UiConfSet{s200, s200, s200, true}));
  EXPECT_EQ(reject("C set [" + s201 + "]:t=v"), "C set: section name longer than 200 characters");
  EXPECT_EQ(reject("C set [s]:" + s201 + "=v"), "C set: tag longer than 200 characters");
  // isakmpd would silently store the first 200 characters and treat the rest as "force".
  EXPECT_EQ(reject("C set [s]:t=" + s201), "C set: value longer than 200 characters");
  EXPECT_EQ(reject("C add [s]:t=" + s201), "C add: value longer than 200 characters");
  EXPECT_EQ(reject("C rmv [s]:t=" + s201), "C rmv: value longer than 200 characters");
  EXPECT_EQ(reject("C get [s]:" + s201), "C get: tag longer than 200 characters");
  EXPECT_EQ(reject("C rm [" + s201 + "]:t"), "C rm: section name longer than 200 characters");
  EXPECT_EQ(reject("C rms [" + s201 + "]"), "C rms: section name longer than 200 characters");
  // A long force token is fine: it only has to be present.
  EXPECT_TRUE(parse_as<UiConfSet>("C set [s]:t=v " + s201).force);
  EXPECT_EQ(parse_as<engine::UiConnect>("c " + s200).name, s200);
  EXPECT_EQ(reject("c " + s201), "c: connection name longer than 200 characters");
  EXPECT_EQ(reject("t main " + s201), "t: connection name or address longer than 200 characters");
}

TEST(ParseUiLine, ConnectAndTeardown) {
  EXPECT_EQ(parse_as<engine::UiConnect>("c from-10.1.1.0/24-to-10.1.2.0/24").name,
            "from-10.1.1.0/24-to-10.1.2.0/24");
  EXPECT_EQ(parse_as<engine::UiConnect>("cfoo").name, "foo");
  EXPECT_EQ(reject("c"), "c: expected \"c <connection>\"");
  EXPECT_EQ(reject("c   "), "c: expected \"c <connection>\"");

  auto t = parse_as<engine::UiTeardown>("t conn");
  EXPECT_EQ(t.phase, 2);
  EXPECT_EQ(t.name, "conn");
  t = parse_as<engine::UiTeardown>("t main 192.0.2.2");
  EXPECT_EQ(t.phase, 1);
  EXPECT_EQ(t.name, "192.0.2.2");
  t = parse_as<engine::UiTeardown>("t quick fd00::2");
  EXPECT_EQ(t.phase, 2);
  EXPECT_EQ(t.name, "fd00::2");
  // ui.c: "t main" alone falls through to "t %200s": a phase-2 teardown of "main".
  t = parse_as<engine::UiTeardown>("t main");
  EXPECT_EQ(t.phase, 2);
  EXPECT_EQ(t.name, "main");
  EXPECT_EQ(reject("t"), "t: expected \"t [main|quick] <connection-or-address>\"");
  EXPECT_TRUE(std::holds_alternative<engine::UiTeardownAll>(*parse_ui_line("T")));
}

TEST(ParseUiLine, DeleteSa) {
  // The cookies are one 32-digit token.
  EXPECT_EQ(reject("d 0011223344556677 8899aabbccddeeff -"),
            "d: cookies \"0011223344556677\" are not 32 hex digits");
  auto p1 = parse_as<engine::UiDeleteSa>("d 00112233445566778899AABBCCDDEEFF -");
  EXPECT_EQ(p1.cookies.hex(), "00112233445566778899aabbccddeeff");
  EXPECT_FALSE(p1.message_id.has_value());
  auto p2 = parse_as<engine::UiDeleteSa>("d 00112233445566778899aabbccddeeff 0a0b0c0d");
  ASSERT_TRUE(p2.message_id.has_value());
  EXPECT_EQ(p2.message_id->value, 0x0a0b0c0du);
  EXPECT_EQ(reject("d 00112233445566778899aabbccddee -"),
            "d: cookies \"00112233445566778899aabbccddee\" are not 32 hex digits");
  EXPECT_EQ(reject("d 00112233445566778899aabbccddeeffaa -"),
            "d: cookies longer than 32 hex digits");
  EXPECT_EQ(reject("d 0011223344556677889gaabbccddeeff -"),
            "d: cookies \"0011223344556677889gaabbccddeeff\" are not 32 hex digits");
  EXPECT_EQ(reject("d 00112233445566778899aabbccddeeff 123"),
            "d: message id \"123\" is neither 8 hex digits nor -");
  EXPECT_EQ(reject("d 00112233445566778899aabbccddeeff 123456789"),
            "d: message id longer than 8 hex digits");
  EXPECT_EQ(reject("d 00112233445566778899aabbccddeeff"),
            "d: expected \"d <32 hex digits of cookies> <8 hex msgid|->\"");
}

TEST(ParseUiLine, Debug) {
  EXPECT_EQ(parse_as<UiDebugLevel>("D 7 50"), (UiDebugLevel{7, 50}));
  EXPECT_EQ(parse_as<UiDebugLevel>("D 10 0"), (UiDebugLevel{10, 0}));
  EXPECT_EQ(parse_as<UiDebugLevel>("D A 99"), (UiDebugLevel{-1, 99}));
  EXPECT_EQ(parse_as<UiDebugLevel>("D a 5"), (UiDebugLevel{-1, 5}));
  EXPECT_TRUE(std::holds_alternative<UiDebugToggle>(*parse_ui_line("D T")));
  EXPECT_TRUE(std::holds_alternative<UiDebugToggle>(*parse_ui_line("D t")));
  EXPECT_EQ(reject("D 11 5"), "D: invalid debug class (expected 0-10 or A)");
  EXPECT_EQ(reject("D -1 5"), "D: invalid debug class (expected 0-10 or A)");
  EXPECT_EQ(reject("D 99999999999 5"), "D: invalid debug class (expected 0-10 or A)");
  EXPECT_EQ(reject("D 3 100"), "D: invalid debug level (expected 0-99)");
  EXPECT_EQ(reject("D 3 -1"), "D: invalid debug level (expected 0-99)");
  EXPECT_EQ(reject("D A 100"), "D: invalid debug level (expected 0-99)");
  EXPECT_EQ(reject("D B 5"), "D: invalid debug class \"B\" (expected 0-10 or A)");
  EXPECT_EQ(reject("D A"), "D: expected \"D <class> <level>\", \"D A <level>\" or \"D T\"");
  EXPECT_EQ(reject("D TX"), "D: expected \"D <class> <level>\", \"D A <level>\" or \"D T\"");
  EXPECT_EQ(reject("D"), "D: expected \"D <class> <level>\", \"D A <level>\" or \"D T\"");
}

TEST(ParseUiLine, ModeAndPacketLog) {
  EXPECT_FALSE(parse_as<UiSetMode>("M active").passive);
  EXPECT_TRUE(parse_as<UiSetMode>("M passive").passive);
  EXPECT_TRUE(parse_as<UiSetMode>("M passively").passive);  // ui.c strncmp prefix
  EXPECT_EQ(reject("M Active"), "M: expected \"M active\" or \"M passive\"");
  EXPECT_EQ(reject("M"), "M: expected \"M active\" or \"M passive\"");
  EXPECT_EQ(parse_as<UiPacketLog>("p on"), (UiPacketLog{true, std::nullopt}));
  EXPECT_EQ(parse_as<UiPacketLog>("p ON=/var/run/x.pcap"),
            (UiPacketLog{true, std::string("/var/run/x.pcap")}));
  EXPECT_EQ(parse_as<UiPacketLog>("p off"), (UiPacketLog{false, std::nullopt}));
  EXPECT_EQ(reject("p maybe"), "p: expected \"p on\", \"p on=<file>\" or \"p off\"");
  EXPECT_EQ(reject("p on="), "p: expected \"p on\", \"p on=<file>\" or \"p off\"");
}

TEST(ParseUiLine, SingleLetterCommands) {
  EXPECT_TRUE(std::holds_alternative<UiShutdown>(*parse_ui_line("Q")));
  EXPECT_EQ(reject("Q "), "Q: takes no arguments (the line must be exactly \"Q\")");
  EXPECT_EQ(reject("Quit"), "Q: takes no arguments (the line must be exactly \"Q\")");
  EXPECT_TRUE(std::holds_alternative<UiReinit>(*parse_ui_line("R")));
  EXPECT_TRUE(std::holds_alternative<UiReport>(*parse_ui_line("r")));
  EXPECT_TRUE(std::holds_alternative<UiStatus>(*parse_ui_line("S")));
  EXPECT_TRUE(std::holds_alternative<UiStatus>(*parse_ui_line("S anything")));  // ui.c ignores
  EXPECT_TRUE(std::holds_alternative<UiEmpty>(*parse_ui_line("")));
  EXPECT_TRUE(std::holds_alternative<UiEmpty>(*parse_ui_line("  \t\r")));
}

TEST(ParseUiLine, UnknownAndHostile) {
  EXPECT_EQ(reject("x"), "unrecognized command 'x'");
  EXPECT_EQ(reject(" c foo"), "unrecognized command ' '");
  EXPECT_EQ(reject("\x01"), "unrecognized command '\\x01'");
  EXPECT_EQ(reject("\xff\xfe"), "unrecognized command '\\xff'");
  EXPECT_EQ(reject(std::string_view("c fo\0o", 6)), "line contains a NUL byte");
}

}  // namespace
}  // namespace ike::daemon
