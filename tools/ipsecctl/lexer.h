// The ipsec.conf(5) lexer: a faithful port of the yylex()/lgetc()/lungetc()/findeol() of
// OpenBSD's sbin/ipsecctl/parse.y, because the *fail regress outputs pin its quirks down (a
// quoted string spans lines and drops the newlines; '"' inside an unquoted word is part of the
// word; "$name" expands a macro outside quotes only; a lexer error skips to the end of the line
// and returns ERROR; messages carry the line where the current token started). Files are read
// whole (size capped) and `include` pushes a file (depth capped). Bounded: tokens are at most
// kMaxToken bytes ("string too long"), the pushback buffer is 128 bytes as in OpenBSD.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ike::ipsecctl {

// Token codes: characters are their byte value; EOF is 0; keywords and classes from 256.
enum Tok : int {
  kEof = 0,
  kFlow = 256, kFrom, kEsp, kAh, kIn, kPeer, kOut, kTo, kSrcid, kDstid, kRsa, kPsk, kTcpmd5,
  kSpi, kAuthkey, kEnckey, kFilename, kAuthxf, kEncxf, kError, kIke, kMain, kQuick,
  kAggressive, kPassive, kActive, kAny, kIpip, kIpcomp, kCompxf, kTunnel, kTransport, kDynamic,
  kLifetime, kType, kDeny, kBypass, kLocal, kProto, kUse, kAcquire, kRequire, kDontacq, kGroup,
  kPort, kTag, kInclude, kBundle, kUdpencap,
  kString, kNumber,
};

struct Token {
  int kind = kEof;
  std::string text;   // kString
  int64_t number = 0; // kNumber
  int lineno = 1;     // yylval.lineno
};

class Lexer {
 public:
  static constexpr std::size_t kMaxToken = 8096;       // OpenBSD's yylex buffer
  static constexpr std::size_t kMaxFileSize = 64 << 20;  // refuse larger configuration files
  static constexpr int kMaxIncludeDepth = 16;

  using ErrorSink = std::function<void(int lineno, const std::string& msg)>;
  using MacroLookup = std::function<const std::string*(const std::string& name)>;

  Lexer(ErrorSink errors, MacroLookup macros);

  // Pushes a file (the first one is the top file). `name` is what messages print ("stdin").
  // Returns false (and prints nothing) if the include depth cap is reached.
  bool push_file(std::string name, std::string contents);
  int include_depth() const { return static_cast<int>(m_files.size()); }
  const std::string& file_name() const;

  Token next();
  // The line of the current token (yylval.lineno), for messages from the parser.
  int lineno() const { return m_yylineno; }

 private:
  struct File {
    std::string name;
    std::string data;
    std::size_t pos = 0;
    int lineno = 1;
  };

  int lgetc(int quotec);
  int lungetc(int c);
  int findeol();
  int getc_file();
  bool popfile();
  void yyerror(const std::string& msg);

  ErrorSink m_errors;
  MacroLookup m_macros;
  std::vector<File> m_files;
  std::vector<int> m_pushback;
  const std::string* m_parsebuf = nullptr;
  std::string m_parsebuf_copy;
  long m_parseindex = 0;
  int m_yylineno = 1;
};

// Keyword lookup (parse.y lookup(): a sorted table searched with bsearch).
int keyword(std::string_view word);
// Printable token for diagnostics of the fuzzer/tests ("STRING", "'\\n'", "ike").
std::string token_name(int kind);

}  // namespace ike::ipsecctl
