// ipsec.conf(5) parser; see parser.h. Grammar (OpenBSD parse.y), one rule per line:
//   varset   : STRING '=' string+
//   include  : INCLUDE STRING
//   flowrule : FLOW satype dir proto hosts peers ids type
//   sarule   : satype tmode hosts spispec udpencap transforms authkeyspec enckeyspec bundle
//   tcpmd5   : TCPMD5 hosts spispec authkeyspec
//   ikerule  : IKE ikemode satype tmode proto hosts peers phase1mode phase2mode ids ikeauth tag
#include "parser.h"

#include <fmt/core.h>

#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>

#include "host.h"
#include "lexer.h"
#include "rule_expand.h"

namespace ike::ipsecctl {
namespace {

constexpr std::size_t kKeySizeLimit = 1024;  // OpenBSD KEYSIZE_LIMIT

struct SyntaxAbort {};  // unwinds one rule; the statement loop recovers (yacc `error '\n'`)
struct FatalAbort {};   // errx(): stop everything

struct Hosts {
  HostList src;
  HostList dst;
  uint16_t sport = 0;
  uint16_t dport = 0;
};

struct Keys {
  std::optional<base::SecureBytes> out;
  std::optional<base::SecureBytes> in;
};

class Parser {
 public:
  Parser(const std::map<std::string, std::string>& macros, const ParseOptions& opts,
         const FileLoader& loader, std::ostream& out, std::ostream& err)
      : m_opts(opts),
        m_loader(loader),
        m_out(out),
        m_err(err),
        m_lex([this](int line, const std::string& msg) { report(line, msg); },
              [this](const std::string& name) { return symget(name); }),
        m_expander(ExpandContext{
            [this](const std::string& msg) { yyerror(msg); },
            [this](const std::string& msg) { yywarn(msg); },
            [this](Rule r) { add_rule(std::move(r)); }}) {
    for (const auto& [k, v] : macros) m_symbols[k] = Symbol{v, true, false};
  }

  ParseOutcome run(const std::string& name, std::string contents) {
    m_lex.push_file(name, std::move(contents));
    try {
      statements();
    } catch (const FatalAbort&) {
      return ParseOutcome{ParseStatus::Fatal, {}};
    }
    if (m_opts.verbose2) {
      for (const auto& [k, s] : m_symbols) {
        if (!s.used) m_err << "warning: macro '" << k << "' not used\n";
      }
    }
    return ParseOutcome{m_errors != 0 ? ParseStatus::Errors : ParseStatus::Ok,
                        std::move(m_rules)};
  }

 private:
  struct Symbol {
    std::string value;
    bool persist = false;
    bool used = false;
  };

  // ---- diagnostics ------------------------------------------------------------------------
  void report(int line, const std::string& msg) {
    ++m_errors;
    m_err << m_lex.file_name() << ": " << line << ": " << msg << '\n';
  }
  void yyerror(const std::string& msg) { report(m_lex.lineno(), msg); }
  void yywarn(const std::string& msg) {
    m_err << m_lex.file_name() << ": " << m_lex.lineno() << ": warning: " << msg << '\n';
  }
  [[noreturn]] void fatal(const std::string& msg) {
    m_err << "ipsecctl: " << msg << '\n';
    throw FatalAbort{};
  }
  [[noreturn]] void syntax_error() {
    if (m_errflag == 0) yyerror("syntax error");
    throw SyntaxAbort{};
  }
  [[noreturn]] void semantic_error() { throw SyntaxAbort{}; }  // YYERROR: no message

  const std::string* symget(const std::string& name) {
    auto it = m_symbols.find(name);
    if (it == m_symbols.end()) return nullptr;
    it->second.used = true;
    return &it->second.value;
  }

  // ---- tokens -----------------------------------------------------------------------------
  const Token& peek() {
    if (!m_have) {
      m_tok = m_lex.next();
      m_have = true;
    }
    return m_tok;
  }
  Token take() {
    peek();
    m_have = false;
    if (m_errflag > 0) --m_errflag;
    return std::move(m_tok);
  }
  bool accept(int kind) {
    if (peek().kind != kind) return false;
    take();
    return true;
  }
  Token expect(int kind) {
    if (peek().kind != kind) syntax_error();
    return take();
  }

  // yacc error recovery: discard tokens up to and including the end of the line.
  void recover() {
    ++m_errors;
    m_errflag = 3;
    while (true) {
      const Token& t = peek();
      if (t.kind == kEof) return;
      m_have = false;
      if (t.kind == '\n') {
        --m_errflag;
        return;
      }
    }
  }

  void statements() {
    while (true) {
      const int kind = peek().kind;
      if (kind == kEof) return;
      try {
        switch (kind) {
          case '\n': take(); continue;
          case kInclude: include_rule(); break;
          case kIke: ike_rule(); break;
          case kFlow: flow_rule(); break;
          case kTcpmd5: tcpmd5_rule(); break;
          case kEsp: case kAh: case kIpcomp: case kIpip: case kTunnel: case kTransport:
          case kFrom: case kTo:
            sa_rule();
            break;
          case kString: varset(); break;
          default: syntax_error();
        }
        if (!m_include_pending) end_of_rule();
        m_include_pending = false;
      } catch (const SyntaxAbort&) {
        m_include_pending = false;
        recover();
      }
    }
  }

  // A rule's action runs only with its end of line as lookahead: byacc has no default
  // reduction in a state that can still shift, so "a = b {" fails before `a` is defined.
  void expect_rule_end() {
    const int k = peek().kind;
    if (k != '\n' && k != kEof) syntax_error();
  }

  // Every rule ends at '\n'. A last line without one is accepted (newer OpenBSD parse.y).
  void end_of_rule() {
    if (peek().kind == kEof) return;
    expect('\n');
  }

  // ---- varset / include -------------------------------------------------------------------
  void varset() {
    std::string name = take().text;
    expect('=');
    std::string value = expect(kString).text;
    while (peek().kind == kString) value += " " + take().text;
    expect_rule_end();
    if (m_opts.verbose) m_out << name << " = \"" << value << "\"\n";
    for (std::size_t i = 1; i < name.size(); ++i) {
      if (std::isspace(static_cast<unsigned char>(name[i]))) {
        yyerror("macro name cannot contain whitespace");
        semantic_error();
      }
    }
    auto it = m_symbols.find(name);
    if (it != m_symbols.end() && it->second.persist) return;  // -D wins
    m_symbols[name] = Symbol{value, false, false};
  }

  void include_rule() {
    take();
    std::string path = expect(kString).text;
    auto contents = m_loader(path, true);
    if (!contents) {
      m_err << "ipsecctl: " << contents.error().detail << '\n';
      yyerror("failed to include file " + path);
      semantic_error();
    }
    if (!m_lex.push_file(path, std::move(*contents))) {
      yyerror("failed to include file " + path + ": include depth limit reached");
      semantic_error();
    }
    // parse.y pushes the file and a '\n' ending the include rule; here the rule simply ends and
    // the parent's own end of line follows the included file.
    m_include_pending = true;
  }

  // ---- shared pieces ----------------------------------------------------------------------
  SaType satype(SaType dflt) {
    switch (peek().kind) {
      case kEsp: take(); return SaType::Esp;
      case kAh: take(); return SaType::Ah;
      case kIpcomp: take(); return SaType::Ipcomp;
      case kIpip: take(); return SaType::Ipip;
      default: return dflt;
    }
  }

  TMode tmode() {
    if (accept(kTunnel)) return TMode::Tunnel;
    if (accept(kTransport)) return TMode::Transport;
    return TMode::Tunnel;
  }

  uint8_t proto() {
    if (!accept(kProto)) return 0;
    if (accept(kEsp)) return IPPROTO_ESP;
    if (accept(kAh)) return IPPROTO_AH;
    if (peek().kind == kString) {
      std::string name = take().text;
      auto p = protocol_by_name(name);
      if (!p) {
        yyerror("unknown protocol: " + name);
        semantic_error();
      }
      return *p;
    }
    if (peek().kind == kNumber) {
      int64_t n = take().number;
      if (n > 255 || n < 0) {
        yyerror("protocol outside range");
        semantic_error();
      }
      return static_cast<uint8_t>(n);
    }
    syntax_error();
  }

  uint16_t port() {
    if (!accept(kPort)) return 0;
    if (peek().kind == kString) {
      std::string name = take().text;
      auto p = service_port(name);
      if (!p) {
        yyerror("unknown port: " + name);
        semantic_error();
      }
      return *p;
    }
    if (peek().kind == kNumber) {
      int64_t n = take().number;
      if (n > USHRT_MAX || n < 0) {
        yyerror("port outside range");
        semantic_error();
      }
      return static_cast<uint16_t>(n);
    }
    syntax_error();
  }

  HostList resolve(const std::string& text) {
    auto hosts = parse_host(text);
    if (!hosts) fatal(hosts.error().detail);
    if (hosts->empty()) {
      m_err << "no IP address found for " << text << '\n';
      yyerror("could not parse host specification");
      semantic_error();
    }
    return std::move(*hosts);
  }

  // host_spec: STRING | STRING '/' NUMBER
  HostList host_spec() {
    std::string text = expect(kString).text;
    if (accept('/')) {
      int64_t bits = expect(kNumber).number;
      text += "/" + std::to_string(bits);
    }
    return resolve(text);
  }

  // host: ANY | '{' host_list '}' | host_spec [ '(' host_spec ')' ]
  HostList host(int depth = 0) {
    if (depth > 16) {
      yyerror("address lists nested too deeply");
      semantic_error();
    }
    if (accept(kAny)) return HostList{any_host()};
    if (accept('{')) {
      HostList list = host(depth + 1);
      while (true) {
        if (accept('}')) break;
        accept(',');
        HostList more = host(depth + 1);
        if (list.size() + more.size() > kMaxListEntries) {
          yyerror("address list too long");
          semantic_error();
        }
        list.insert(list.end(), more.begin(), more.end());
      }
      return list;
    }
    HostList list = host_spec();
    if (accept('(')) {
      HostList nat = host_spec();
      expect(')');
      if (nat.front().af != list.front().af) {
        yyerror("Flow NAT address family mismatch");
        semantic_error();
      }
      list.resize(1);
      list.front().srcnat = std::make_shared<const HostAddr>(nat.front());
    }
    return list;
  }

  Hosts hosts() {
    Hosts h;
    if (accept(kFrom)) {
      h.src = host();
      h.sport = port();
      expect(kTo);
      h.dst = host();
      h.dport = port();
    } else if (accept(kTo)) {
      h.dst = host();
      h.dport = port();
      expect(kFrom);
      h.src = host();
      h.sport = port();
    } else {
      syntax_error();
    }
    for (const auto& d : h.dst) {
      if (d.srcnat) {
        yyerror("no flow NAT support for destination network: " + d.name);
        semantic_error();
      }
    }
    return h;
  }

  std::optional<HostAddr> singlehost() {
    if (peek().kind != kString) return std::nullopt;
    HostList l = resolve(take().text);
    return l.front();
  }
  std::optional<HostAddr> anyhost() {
    if (accept(kAny)) return any_host();
    return singlehost();
  }

  Peers peers() {
    Peers p;
    if (accept(kPeer)) {
      p.dst = anyhost();
      if (accept(kLocal)) p.src = singlehost();
    } else if (accept(kLocal)) {
      p.src = singlehost();
      if (accept(kPeer)) p.dst = anyhost();
    }
    return p;
  }

  struct Ids {
    std::optional<std::string> srcid;
    std::optional<std::string> dstid;
  };
  Ids ids() {
    Ids i;
    if (accept(kSrcid)) {
      i.srcid = expect(kString).text;
      if (accept(kDstid)) i.dstid = expect(kString).text;
    } else if (accept(kDstid)) {
      i.dstid = expect(kString).text;
    }
    return i;
  }

  FlowType flowtype() {
    if (!accept(kType)) return FlowType::Unknown;
    FlowType t = FlowType::Unknown;
    switch (peek().kind) {
      case kUse: t = FlowType::Use; break;
      case kAcquire: t = FlowType::Acquire; break;
      case kRequire: t = FlowType::Require; break;
      case kDeny: t = FlowType::Deny; break;
      case kBypass: t = FlowType::Bypass; break;
      case kDontacq: t = FlowType::DontAcq; break;
      default: syntax_error();
    }
    take();
    return t;
  }

  // transforms: (AUTHXF|ENCXF|COMPXF|GROUP) STRING ...
  Transforms transforms() {
    Transforms x;
    while (true) {
      const int kind = peek().kind;
      const Xf** slot = nullptr;
      std::span<const Xf> table;
      const char* what = nullptr;
      switch (kind) {
        case kAuthxf: slot = &x.auth; table = auth_xfs(); what = "auth"; break;
        case kEncxf: slot = &x.enc; table = enc_xfs(); what = "enc"; break;
        case kCompxf: slot = &x.comp; table = comp_xfs(); what = "comp"; break;
        case kGroup: slot = &x.group; table = group_xfs(); what = "group"; break;
        default: return x;
      }
      take();
      std::string name = expect(kString).text;
      if (*slot != nullptr) {
        yyerror(fmt::format("{} already set", what));
      } else {
        *slot = parse_xf(name, table);
        if (*slot == nullptr) yyerror(name + " not a valid transform");
      }
    }
  }

  Lifetime life() {
    Lifetime l;
    if (!accept(kLifetime)) return l;
    if (peek().kind == kNumber) {
      l.seconds = take().number;
      if (l.seconds < 0 || l.seconds > INT_MAX) {
        yyerror("lifetime outside range");
        semantic_error();
      }
      return l;
    }
    std::string text = expect(kString).text;
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(text.c_str(), &end, 10);
    long long mult = 0;
    if (end != text.c_str() && errno == 0 && v >= 0) {
      if (std::strcmp(end, "s") == 0) mult = 1;
      if (std::strcmp(end, "m") == 0) mult = 60;
      if (std::strcmp(end, "h") == 0) mult = 3600;
    }
    if (mult == 0 || v > INT_MAX / mult) {
      yyerror("invalid lifetime: " + text);
      semantic_error();
    }
    l.seconds = v * mult;
    return l;
  }

  // ---- keys -------------------------------------------------------------------------------
  std::optional<base::SecureBytes> parsekey(std::string_view hex) {
    base::SecureBytes key;
    const std::size_t len = hex.size() / 2;
    for (std::size_t i = 0; i < len; ++i) {
      const unsigned char a = static_cast<unsigned char>(hex[2 * i]);
      const unsigned char b = static_cast<unsigned char>(hex[2 * i + 1]);
      if (!std::isxdigit(a) || !std::isxdigit(b)) {
        yyerror("keys need to be specified in hex digits");
        key.push_back(0xff);
        continue;
      }
      const char pair[3] = {static_cast<char>(a), static_cast<char>(b), 0};
      key.push_back(static_cast<uint8_t>(std::strtoul(pair, nullptr, 16)));
    }
    return key;
  }

  base::SecureBytes parsekeyfile(const std::string& path) {
    auto data = m_loader(path, false);  // parsekeyfile() does no secrecy check
    if (!data) fatal("open " + data.error().detail);
    if (data->size() > kKeySizeLimit || data->empty()) {
      fatal(fmt::format("{}: key too {}", path, data->empty() ? "small" : "large"));
    }
    auto key = parsekey(*data);
    return std::move(*key);
  }

  Keys keyspec() {
    Keys k;
    if (accept(kFilename)) {
      std::string spec = expect(kString).text;
      if (auto colon = spec.find(':'); colon != std::string::npos) {
        k.in = parsekeyfile(spec.substr(colon + 1));
        spec.resize(colon);
      }
      k.out = parsekeyfile(spec);
      return k;
    }
    std::string spec = expect(kString).text;
    if (auto colon = spec.find(':'); colon != std::string::npos) {
      std::string_view in = std::string_view(spec).substr(colon + 1);
      if (in.substr(0, 2) == "0x") in.remove_prefix(2);
      k.in = parsekey(in);
      spec.resize(colon);
    }
    std::string_view out = spec;
    if (out.substr(0, 2) == "0x") out.remove_prefix(2);
    k.out = parsekey(out);
    return k;
  }

  // atospi(): strtoul base 0, the whole string, not in the reserved range 1..255.
  uint32_t atospi(const std::string& s) {
    if (s.empty()) semantic_error();
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(s.c_str(), &end, 0);
    if (*end != '\0' || errno == ERANGE || v > UINT32_MAX || s[0] == '-') semantic_error();
    if (v >= 1 && v <= 255) {
      yyerror("illegal SPI value");
      semantic_error();
    }
    return static_cast<uint32_t>(v);
  }

  SpiSpec spispec() {
    expect(kSpi);
    SpiSpec s;
    if (peek().kind == kNumber) {
      int64_t n = take().number;
      if (n > UINT32_MAX || n < 0) {
        yyerror(fmt::format("{} not a valid spi", n));
        semantic_error();
      }
      if (n >= 1 && n <= 255) {
        yyerror(fmt::format("{} within reserved spi range", n));
        semantic_error();
      }
      s.out = static_cast<uint32_t>(n);
      return s;
    }
    std::string text = expect(kString).text;
    if (auto colon = text.find(':'); colon != std::string::npos) {
      s.in = atospi(text.substr(colon + 1));
      text.resize(colon);
    }
    s.out = atospi(text);
    return s;
  }

  // ---- rules ------------------------------------------------------------------------------
  void flow_rule() {
    take();
    FlowSpec f;
    f.satype = satype(SaType::Esp);
    f.dir = Direction::InOut;
    if (accept(kIn)) f.dir = Direction::In;
    else if (accept(kOut)) f.dir = Direction::Out;
    f.proto = proto();
    Hosts h = hosts();
    f.src = std::move(h.src);
    f.dst = std::move(h.dst);
    f.sport = h.sport;
    f.dport = h.dport;
    f.peers = peers();
    Ids i = ids();
    f.srcid = i.srcid;
    f.dstid = i.dstid;
    f.type = flowtype();
    expect_rule_end();
    if (!m_expander.flow(std::move(f))) semantic_error();
  }

  void sa_rule() {
    SaSpec s;
    s.satype = satype(SaType::Esp);
    s.tmode = tmode();
    Hosts h = hosts();
    s.src = std::move(h.src);
    s.dst = std::move(h.dst);
    SpiSpec spi = spispec();
    s.spi_out = spi.out;
    s.spi_in = spi.in;
    if (accept(kUdpencap)) {
      s.udpencap = true;
      if (accept(kPort)) {
        int64_t p = expect(kNumber).number;
        if (p < 0 || p > USHRT_MAX) {
          yyerror("port outside range");
          semantic_error();
        }
        s.udpdport = static_cast<uint16_t>(p);
      }
    }
    s.xfs = transforms();
    if (accept(kAuthkey)) {
      Keys k = keyspec();
      s.authkey_out = std::move(k.out);
      s.authkey_in = std::move(k.in);
    }
    if (accept(kEnckey)) {
      Keys k = keyspec();
      s.enckey_out = std::move(k.out);
      s.enckey_in = std::move(k.in);
    }
    if (accept(kBundle)) s.bundle = expect(kString).text;
    expect_rule_end();
    auto r = m_expander.sa(std::move(s));
    if (r == ExpandResult::Rejected) semantic_error();
    if (r == ExpandResult::Fatal) fatal("sarule: expand_rule");
  }

  void tcpmd5_rule() {
    take();
    SaSpec s;
    s.satype = SaType::Tcpmd5;
    s.tmode = TMode::Transport;
    Hosts h = hosts();
    s.src = std::move(h.src);
    s.dst = std::move(h.dst);
    SpiSpec spi = spispec();
    s.spi_out = spi.out;
    s.spi_in = spi.in;
    s.no_xfs = true;
    if (accept(kAuthkey)) {
      Keys k = keyspec();
      s.authkey_out = std::move(k.out);
      s.authkey_in = std::move(k.in);
    }
    expect_rule_end();
    auto r = m_expander.sa(std::move(s));
    if (r == ExpandResult::Rejected) semantic_error();
    if (r == ExpandResult::Fatal) fatal("tcpmd5rule: expand_rule");
  }

  void ike_rule() {
    take();
    IkeSpec k;
    if (accept(kPassive)) k.mode = IkeMode::Passive;
    else if (accept(kDynamic)) k.mode = IkeMode::Dynamic;
    else accept(kActive);
    if (accept(kEsp)) k.satype = SaType::Esp;
    else if (accept(kAh)) k.satype = SaType::Ah;
    k.tmode = tmode();
    k.proto = proto();
    Hosts h = hosts();
    k.src = std::move(h.src);
    k.dst = std::move(h.dst);
    k.sport = h.sport;
    k.dport = h.dport;
    k.peers = peers();
    if (accept(kMain) || (peek().kind == kAggressive)) {
      if (accept(kAggressive)) k.p1ie = IkeExch::Aggressive;
      k.p1xfs = transforms();
      k.p1life = life();
    }
    if (accept(kQuick)) {
      k.p2xfs = transforms();
      k.p2life = life();
    }
    Ids i = ids();
    k.srcid = i.srcid;
    k.dstid = i.dstid;
    if (accept(kRsa)) {
      k.auth = IkeAuthType::Rsa;
    } else if (accept(kPsk)) {
      k.auth = IkeAuthType::Psk;
      k.psk = expect(kString).text;
    }
    if (accept(kTag)) k.tag = expect(kString).text;
    expect_rule_end();
    auto r = m_expander.ike(std::move(k));
    if (r == ExpandResult::Rejected) semantic_error();
    if (r == ExpandResult::Fatal) fatal("ikerule: expand_rule");
  }

  void add_rule(Rule r) {
    r.nr = m_rule_nr++;
    if (m_opts.verbose) print_rule(r, m_opts.print, m_out, m_err);
    m_rules.push_back(std::move(r));
  }

  static constexpr std::size_t kMaxListEntries = 4096;

  const ParseOptions& m_opts;
  const FileLoader& m_loader;
  std::ostream& m_out;
  std::ostream& m_err;
  Lexer m_lex;
  RuleExpander m_expander;
  std::map<std::string, Symbol> m_symbols;
  std::vector<Rule> m_rules;
  Token m_tok;
  bool m_have = false;
  bool m_include_pending = false;
  int m_errflag = 0;
  int m_errors = 0;
  int m_rule_nr = 0;
};

}  // namespace

ParseOutcome parse_rules(const std::string& name, std::string contents,
                         const std::map<std::string, std::string>& macros,
                         const ParseOptions& opts, const FileLoader& loader, std::ostream& out,
                         std::ostream& err) {
  Parser p(macros, opts, loader, out, err);
  return p.run(name, std::move(contents));
}

}  // namespace ike::ipsecctl
