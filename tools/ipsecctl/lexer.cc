// ipsec.conf(5) lexer; see lexer.h. Port of OpenBSD sbin/ipsecctl/parse.y (rev 1.16x, 2017)
// yylex(), lgetc(), lungetc(), findeol(), lookup().
#include "lexer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>

namespace ike::ipsecctl {
namespace {

constexpr int kEofChar = -1;
constexpr std::size_t kMaxPushback = 128;

struct Keyword {
  std::string_view name;
  int tok;
};
constexpr std::array kKeywords{
    Keyword{"acquire", kAcquire},     Keyword{"active", kActive},
    Keyword{"aggressive", kAggressive}, Keyword{"ah", kAh},
    Keyword{"any", kAny},             Keyword{"auth", kAuthxf},
    Keyword{"authkey", kAuthkey},     Keyword{"bundle", kBundle},
    Keyword{"bypass", kBypass},       Keyword{"comp", kCompxf},
    Keyword{"deny", kDeny},           Keyword{"dontacq", kDontacq},
    Keyword{"dstid", kDstid},         Keyword{"dynamic", kDynamic},
    Keyword{"enc", kEncxf},           Keyword{"enckey", kEnckey},
    Keyword{"esp", kEsp},             Keyword{"file", kFilename},
    Keyword{"flow", kFlow},           Keyword{"from", kFrom},
    Keyword{"group", kGroup},         Keyword{"ike", kIke},
    Keyword{"in", kIn},               Keyword{"include", kInclude},
    Keyword{"ipcomp", kIpcomp},       Keyword{"ipip", kIpip},
    Keyword{"lifetime", kLifetime},   Keyword{"local", kLocal},
    Keyword{"main", kMain},           Keyword{"out", kOut},
    Keyword{"passive", kPassive},     Keyword{"peer", kPeer},
    Keyword{"port", kPort},           Keyword{"proto", kProto},
    Keyword{"psk", kPsk},             Keyword{"quick", kQuick},
    Keyword{"require", kRequire},     Keyword{"rsa", kRsa},
    Keyword{"spi", kSpi},             Keyword{"srcid", kSrcid},
    Keyword{"tag", kTag},             Keyword{"tcpmd5", kTcpmd5},
    Keyword{"to", kTo},               Keyword{"transport", kTransport},
    Keyword{"tunnel", kTunnel},       Keyword{"type", kType},
    Keyword{"udpencap", kUdpencap},   Keyword{"use", kUse},
};

bool allowed_to_end_number(int x) {
  return std::isspace(x) || x == ')' || x == ',' || x == '/' || x == '}' || x == '=';
}

bool allowed_in_string(int x) {
  return std::isalnum(x) || (std::ispunct(x) && x != '(' && x != ')' && x != '{' && x != '}' &&
                             x != '!' && x != '=' && x != '/' && x != '#' && x != ',');
}

bool is_byte(int c) { return c >= 0 && c <= 255; }

}  // namespace

int keyword(std::string_view word) {
  auto it = std::lower_bound(kKeywords.begin(), kKeywords.end(), word,
                             [](const Keyword& k, std::string_view w) { return k.name < w; });
  if (it != kKeywords.end() && it->name == word) return it->tok;
  return kString;
}

std::string token_name(int kind) {
  if (kind == kEof) return "end of file";
  if (kind == kString) return "STRING";
  if (kind == kNumber) return "NUMBER";
  if (kind == kError) return "ERROR";
  for (const auto& k : kKeywords) {
    if (k.tok == kind) return std::string(k.name);
  }
  if (kind == '\n') return "'\\n'";
  return std::string("'") + static_cast<char>(kind) + "'";
}

Lexer::Lexer(ErrorSink errors, MacroLookup macros)
    : m_errors(std::move(errors)), m_macros(std::move(macros)) {}

bool Lexer::push_file(std::string name, std::string contents) {
  if (static_cast<int>(m_files.size()) >= kMaxIncludeDepth) return false;
  m_files.push_back(File{std::move(name), std::move(contents), 0, 1});
  return true;
}

const std::string& Lexer::file_name() const {
  static const std::string kNone = "(none)";
  return m_files.empty() ? kNone : m_files.back().name;
}

void Lexer::yyerror(const std::string& msg) { m_errors(m_yylineno, msg); }

int Lexer::getc_file() {
  if (m_files.empty()) return kEofChar;
  File& f = m_files.back();
  if (f.pos >= f.data.size()) return kEofChar;
  return static_cast<unsigned char>(f.data[f.pos++]);
}

// popfile(): leave an included file; false at the top file (the real end of input).
bool Lexer::popfile() {
  if (m_files.size() <= 1) return false;
  m_files.pop_back();
  return true;
}

int Lexer::lgetc(int quotec) {
  if (m_parsebuf != nullptr) {
    // Read from the macro value instead of the input.
    if (m_parseindex >= 0) {
      int c = m_parseindex < static_cast<long>(m_parsebuf_copy.size())
                  ? static_cast<unsigned char>(m_parsebuf_copy[static_cast<std::size_t>(m_parseindex)])
                  : 0;
      ++m_parseindex;
      if (c != 0) return c;
      m_parsebuf = nullptr;
    } else {
      ++m_parseindex;
    }
  }
  if (!m_pushback.empty()) {
    int c = m_pushback.back();
    m_pushback.pop_back();
    return c;
  }
  if (quotec != 0) {
    int c = getc_file();
    if (c == kEofChar) {
      yyerror("reached end of file while parsing quoted string");
      if (!popfile()) return kEofChar;
      return quotec;
    }
    return c;
  }
  int c;
  while ((c = getc_file()) == '\\') {
    int next = getc_file();
    if (next != '\n') {
      c = next;
      break;
    }
    m_yylineno = m_files.back().lineno;
    m_files.back().lineno++;
  }
  while (c == kEofChar) {
    if (!popfile()) return kEofChar;
    c = getc_file();
  }
  return c;
}

int Lexer::lungetc(int c) {
  if (c == kEofChar) return kEofChar;
  if (m_parsebuf != nullptr) {
    --m_parseindex;
    if (m_parseindex >= 0) return c;
  }
  if (m_pushback.size() < kMaxPushback - 1) {
    m_pushback.push_back(c);
    return c;
  }
  return kEofChar;
}

int Lexer::findeol() {
  m_parsebuf = nullptr;
  m_pushback.clear();
  // Skip to either EOF or the first real end of line.
  while (true) {
    int c = lgetc(0);
    if (c == '\n') {
      if (!m_files.empty()) m_files.back().lineno++;
      break;
    }
    if (c == kEofChar) break;
  }
  return kError;
}

Token Lexer::next() {
  Token tok;
  std::string buf;
  int c;
top:
  buf.clear();
  while ((c = lgetc(0)) == ' ' || c == '\t') {
  }
  m_yylineno = m_files.empty() ? 1 : m_files.back().lineno;
  tok.lineno = m_yylineno;
  if (c == '#') {
    while ((c = lgetc(0)) != '\n' && c != kEofChar) {
    }
  }
  if (c == '$' && m_parsebuf == nullptr) {
    while (true) {
      if ((c = lgetc(0)) == kEofChar) {
        tok.kind = kEof;
        return tok;
      }
      if (buf.size() + 1 >= kMaxToken - 1) {
        yyerror("string too long");
        tok.kind = findeol();
        return tok;
      }
      if (is_byte(c) && (std::isalnum(c) || c == '_')) {
        buf.push_back(static_cast<char>(c));
        continue;
      }
      lungetc(c);
      break;
    }
    const std::string* val = m_macros(buf);
    if (val == nullptr) {
      yyerror("macro '" + buf + "' not defined");
      tok.kind = findeol();
      return tok;
    }
    m_parsebuf = val;
    m_parsebuf_copy = *val;
    m_parseindex = 0;
    goto top;
  }

  switch (c) {
    case '\'':
    case '"': {
      const int quotec = c;
      while (true) {
        if ((c = lgetc(quotec)) == kEofChar) {
          tok.kind = kEof;
          return tok;
        }
        if (c == '\n') {
          if (!m_files.empty()) m_files.back().lineno++;
          continue;
        } else if (c == '\\') {
          int next = lgetc(quotec);
          if (next == kEofChar) {
            tok.kind = kEof;
            return tok;
          }
          if (next == quotec || next == ' ' || next == '\t') {
            c = next;
          } else if (next == '\n') {
            if (!m_files.empty()) m_files.back().lineno++;
            continue;
          } else {
            lungetc(next);
          }
        } else if (c == quotec) {
          break;
        } else if (c == '\0') {
          yyerror("syntax error");
          tok.kind = findeol();
          return tok;
        }
        if (buf.size() + 1 >= kMaxToken - 1) {
          yyerror("string too long");
          tok.kind = findeol();
          return tok;
        }
        buf.push_back(static_cast<char>(c));
      }
      tok.kind = kString;
      tok.text = std::move(buf);
      return tok;
    }
    default:
      break;
  }

  if (c == '-' || (is_byte(c) && std::isdigit(c))) {
    do {
      buf.push_back(static_cast<char>(c));
      if (buf.size() >= kMaxToken) {
        yyerror("string too long");
        tok.kind = findeol();
        return tok;
      }
    } while ((c = lgetc(0)) != kEofChar && is_byte(c) && std::isdigit(c));
    lungetc(c);
    if (!(buf.size() == 1 && buf[0] == '-') &&
        (c == kEofChar || (is_byte(c) && allowed_to_end_number(c)))) {
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(buf.c_str(), &end, 10);
      if (errno == ERANGE) {
        yyerror("\"" + buf + "\" invalid number: " + (v < 0 ? "too small" : "too large"));
        tok.kind = findeol();
        return tok;
      }
      tok.kind = kNumber;
      tok.number = v;
      return tok;
    }
    // nodigits: give the characters back and lex them as a word.
    while (buf.size() > 1) {
      lungetc(static_cast<unsigned char>(buf.back()));
      buf.pop_back();
    }
    c = static_cast<unsigned char>(buf.back());
    buf.clear();
    if (c == '-') {
      tok.kind = c;
      return tok;
    }
  }

  if (is_byte(c) && (std::isalnum(c) || c == ':' || c == '_' || c == '*')) {
    do {
      buf.push_back(static_cast<char>(c));
      if (buf.size() >= kMaxToken) {
        yyerror("string too long");
        tok.kind = findeol();
        return tok;
      }
    } while ((c = lgetc(0)) != kEofChar && is_byte(c) && allowed_in_string(c));
    lungetc(c);
    tok.kind = keyword(buf);
    if (tok.kind == kString) tok.text = std::move(buf);
    return tok;
  }
  if (c == '\n') {
    tok.lineno = m_yylineno = m_files.empty() ? 1 : m_files.back().lineno;
    if (!m_files.empty()) m_files.back().lineno++;
  }
  if (c == kEofChar) {
    tok.kind = kEof;
    return tok;
  }
  tok.kind = c;
  return tok;
}

}  // namespace ike::ipsecctl
