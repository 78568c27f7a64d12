// Recursive-descent parsers of the Licensees and Conditions fields (RFC 2704 §4.6.4, §4.6.5).
// Precedence, lowest first: "||", "&&", "!", comparisons (== != < > <= >= ~=), ".", "+ -",
// "* / %", "^" (right associative), unary "-" "@" "&" "$". Types are checked while parsing
// (attributes and string literals are strings; "@" gives an integer, "&" a float, "$" a string;
// integer and float operands mix as float). Recursion depth is capped by kMaxNesting.
#include "policy/expression.h"

#include <cerrno>
#include <cstdlib>

#include "policy/lexer.h"
#include "policy/limits.h"
#include "policy/signature.h"

namespace ike::policy {

using base::ErrorCode;
using base::NotifyType;

namespace {

Node mk(Op op, Type type, Type operand, int32_t a = -1, int32_t b = -1, std::string text = {}) {
  Node n;
  n.op = op;
  n.type = type;
  n.operand_type = operand;
  n.a = a;
  n.b = b;
  n.text = std::move(text);
  return n;
}

class Parser {
 public:
  Parser(std::vector<Token> toks, const Constants& c) : m_t(std::move(toks)), m_const(c) {}

  base::Result<Conditions> conditions() {
    Conditions out;
    out.present = true;
    IKE_TRY(Program p, program(false));
    if (peek().kind != Tok::End) return unexpected("end of Conditions");
    out.program = std::move(p);
    out.nodes = std::move(m_nodes);
    return out;
  }

  base::Result<Licensees> licensees() {
    Licensees out;
    if (peek().kind == Tok::End) return out;
    IKE_TRY(int32_t root, lic_or());
    if (peek().kind != Tok::End) return unexpected("end of Licensees");
    out.nodes = std::move(m_lic);
    out.root = root;
    return out;
  }

 private:
  struct Depth {
    explicit Depth(std::size_t& d) : m_d(d) { ++m_d; }
    ~Depth() { --m_d; }
    std::size_t& m_d;
  };

  const Token& peek() const { return m_t[m_pos]; }
  const Token& next() { return m_t[m_pos < m_t.size() - 1 ? m_pos++ : m_pos]; }
  bool accept(Tok k) {
    if (peek().kind != k) return false;
    next();
    return true;
  }
  base::Error unexpected(std::string_view wanted) const {
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "expected {} at offset {}, got {}", wanted, peek().offset,
                            tok_name(peek().kind));
  }
  base::Status depth_ok() const {
    if (m_depth > kMaxNesting) {
      return base::make_error(ErrorCode::TooMany, NotifyType::None,
                              "nesting deeper than {} at offset {}", kMaxNesting, peek().offset);
    }
    return base::ok();
  }
  // Adds a node; the tree depth (evaluation recursion) is capped by kMaxExpressionDepth, a
  // cap that left-associative chains ("a && b && c ...") reach before kMaxNesting.
  base::Result<int32_t> add(Node n) {
    std::size_t depth = 1;
    for (int32_t kid : {n.a, n.b}) {
      if (kid >= 0) depth = std::max(depth, m_depths[static_cast<std::size_t>(kid)] + 1);
    }
    if (depth > kMaxExpressionDepth) {
      return base::make_error(ErrorCode::TooMany, NotifyType::None,
                              "expression deeper than {} at offset {}", kMaxExpressionDepth,
                              peek().offset);
    }
    m_nodes.push_back(std::move(n));
    m_depths.push_back(depth);
    return static_cast<int32_t>(m_nodes.size() - 1);
  }
  Type type_of(int32_t n) const { return m_nodes[static_cast<std::size_t>(n)].type; }
  base::Error type_error(std::string_view what, Type got, std::size_t off) const {
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "{} needs {} at offset {}", what, type_name(got), off);
  }
  base::Status expect_type(int32_t n, Type want, std::string_view what, std::size_t off) const {
    if (type_of(n) == want) return base::ok();
    return base::make_error(ErrorCode::BadValue, NotifyType::None,
                            "{} at offset {}: operand is {}, {} expected", what, off,
                            type_name(type_of(n)), type_name(want));
  }
  bool numeric(int32_t n) const { return type_of(n) == Type::Int || type_of(n) == Type::Float; }

  // Program ::= [Clause (";" Clause)* [";"]]; inside braces it ends at "}".
  base::Result<Program> program(bool in_block) {
    Depth d(m_depth);
    IKE_TRY_VOID(depth_ok());
    Program p;
    for (;;) {
      Tok k = peek().kind;
      if (k == Tok::End || (in_block && k == Tok::RBrace)) break;
      if (accept(Tok::Semicolon)) continue;
      Clause c;
      std::size_t off = peek().offset;
      IKE_TRY(c.test, test());
      IKE_TRY_VOID(expect_type(c.test, Type::Bool, "clause test", off));
      if (accept(Tok::Arrow)) {
        if (accept(Tok::LBrace)) {
          IKE_TRY(Program inner, program(true));
          if (!accept(Tok::RBrace)) return unexpected("}");
          c.block = std::make_shared<Program>(std::move(inner));
        } else {
          std::size_t voff = peek().offset;
          IKE_TRY(c.value, concat());
          IKE_TRY_VOID(expect_type(c.value, Type::String, "compliance value", voff));
        }
      }
      p.clauses.push_back(std::move(c));
      if (peek().kind != Tok::End && !(in_block && peek().kind == Tok::RBrace) &&
          !accept(Tok::Semicolon)) {
        return unexpected("; between clauses");
      }
    }
    return p;
  }

  base::Result<int32_t> test() { return logical(true); }

  base::Result<int32_t> logical(bool is_or) {
    IKE_TRY(int32_t l, is_or ? logical(false) : negation());
    Tok op = is_or ? Tok::Or : Tok::And;
    while (peek().kind == op) {
      std::size_t off = next().offset;
      IKE_TRY(int32_t r, is_or ? logical(false) : negation());
      IKE_TRY_VOID(expect_type(l, Type::Bool, tok_name(op), off));
      IKE_TRY_VOID(expect_type(r, Type::Bool, tok_name(op), off));
      IKE_TRY(l, add(mk(is_or ? Op::Or : Op::And, Type::Bool, Type::Bool, l, r)));
    }
    return l;
  }

  base::Result<int32_t> negation() {
    if (peek().kind == Tok::Not) {
      Depth d(m_depth);
      IKE_TRY_VOID(depth_ok());
      std::size_t off = next().offset;
      IKE_TRY(int32_t x, negation());
      IKE_TRY_VOID(expect_type(x, Type::Bool, "!", off));
      return add(mk(Op::Not, Type::Bool, Type::Bool, x));
    }
    return comparison();
  }

  base::Result<int32_t> comparison() {
    IKE_TRY(int32_t l, concat());
    struct M { Tok t; Op o; };
    static constexpr M kOps[] = {{Tok::Eq, Op::Eq}, {Tok::Ne, Op::Ne}, {Tok::Lt, Op::Lt},
                                 {Tok::Gt, Op::Gt}, {Tok::Le, Op::Le}, {Tok::Ge, Op::Ge},
                                 {Tok::RegexMatch, Op::RegexMatch}};
    for (const M& m : kOps) {
      if (peek().kind != m.t) continue;
      std::size_t off = next().offset;
      IKE_TRY(int32_t r, concat());
      if (m.o == Op::RegexMatch) {
        IKE_TRY_VOID(expect_type(l, Type::String, "~=", off));
        IKE_TRY_VOID(expect_type(r, Type::String, "~=", off));
        Node n = mk(Op::RegexMatch, Type::Bool, Type::String, l, r);
        const Node& pat = m_nodes[static_cast<std::size_t>(r)];
        if (pat.op == Op::StrLit) {
          auto re = Regex::compile(pat.text);
          if (!re) return std::move(re).error().with_context(fmt::format("offset {}", off));
          n.regex = *re;
        }
        return add(std::move(n));
      }
      Type lt = type_of(l), rt = type_of(r);
      Type as;
      if (lt == Type::String && rt == Type::String) {
        as = Type::String;
      } else if (numeric(l) && numeric(r)) {
        as = (lt == Type::Int && rt == Type::Int) ? Type::Int : Type::Float;
      } else {
        return base::make_error(ErrorCode::BadValue, NotifyType::None,
                                "{} at offset {} compares {} with {} (use @attr / &attr for "
                                "numbers)", tok_name(m.t), off, type_name(lt), type_name(rt));
      }
      return add(mk(m.o, Type::Bool, as, l, r));
    }
    return l;
  }

  base::Result<int32_t> concat() {
    IKE_TRY(int32_t l, additive());
    while (peek().kind == Tok::Dot) {
      std::size_t off = next().offset;
      IKE_TRY(int32_t r, additive());
      IKE_TRY_VOID(expect_type(l, Type::String, ".", off));
      IKE_TRY_VOID(expect_type(r, Type::String, ".", off));
      IKE_TRY(l, add(mk(Op::Concat, Type::String, Type::String, l, r)));
    }
    return l;
  }

  base::Result<int32_t> arith(int32_t l, Op op, int32_t r, std::size_t off) {
    if (!numeric(l) || !numeric(r)) {
      return base::make_error(ErrorCode::BadValue, NotifyType::None,
                              "arithmetic at offset {} on {} and {}", off,
                              type_name(type_of(l)), type_name(type_of(r)));
    }
    Type t = type_of(l) == Type::Int && type_of(r) == Type::Int ? Type::Int : Type::Float;
    if (op == Op::Mod && t != Type::Int) return type_error("%", Type::Int, off);
    return add(mk(op, t, t, l, r));
  }

  base::Result<int32_t> additive() {
    IKE_TRY(int32_t l, multiplicative());
    while (peek().kind == Tok::Plus || peek().kind == Tok::Minus) {
      const Token& t = next();
      Op op = t.kind == Tok::Plus ? Op::Add : Op::Sub;
      IKE_TRY(int32_t r, multiplicative());
      IKE_TRY(l, arith(l, op, r, t.offset));
    }
    return l;
  }

  base::Result<int32_t> multiplicative() {
    IKE_TRY(int32_t l, power());
    while (peek().kind == Tok::Star || peek().kind == Tok::Slash ||
           peek().kind == Tok::Percent) {
      const Token& t = next();
      Op op = t.kind == Tok::Star ? Op::Mul : t.kind == Tok::Slash ? Op::Div : Op::Mod;
      IKE_TRY(int32_t r, power());
      IKE_TRY(l, arith(l, op, r, t.offset));
    }
    return l;
  }

  base::Result<int32_t> power() {
    IKE_TRY(int32_t l, unary());
    if (peek().kind == Tok::Caret) {
      Depth d(m_depth);
      IKE_TRY_VOID(depth_ok());
      std::size_t off = next().offset;
      IKE_TRY(int32_t r, power());
      return arith(l, Op::Pow, r, off);
    }
    return l;
  }

  base::Result<int32_t> unary() {
    const Token& t = peek();
    Depth d(m_depth);
    if (t.kind == Tok::Minus || t.kind == Tok::At || t.kind == Tok::Amp ||
        t.kind == Tok::Dollar) {
      IKE_TRY_VOID(depth_ok());
    }
    std::size_t off = t.offset;
    switch (t.kind) {
      case Tok::Minus: {
        next();
        IKE_TRY(int32_t x, unary());
        if (!numeric(x)) return type_error("unary -", type_of(x), off);
        return add(mk(Op::Neg, type_of(x), type_of(x), x));
      }
      case Tok::At:
      case Tok::Amp:
      case Tok::Dollar: {
        Tok k = next().kind;
        IKE_TRY(int32_t x, unary());
        IKE_TRY_VOID(expect_type(x, Type::String, tok_name(k), off));
        Op op = k == Tok::At ? Op::IntOf : k == Tok::Amp ? Op::FloatOf : Op::Deref;
        Type ty = k == Tok::At ? Type::Int : k == Tok::Amp ? Type::Float : Type::String;
        return add(mk(op, ty, Type::String, x));
      }
      default: return primary();
    }
  }

  base::Result<int32_t> primary() {
    const Token& t = next();
    switch (t.kind) {
      case Tok::String: return add(mk(Op::StrLit, Type::String, Type::String, -1, -1, t.text));
      case Tok::Int: {
        errno = 0;
        long long v = std::strtoll(t.text.c_str(), nullptr, 10);
        if (errno == ERANGE) {
          return base::make_error(ErrorCode::BadValue, NotifyType::None,
                                  "integer {} at offset {} out of range", t.text, t.offset);
        }
        Node n = mk(Op::IntLit, Type::Int, Type::Int);
        n.i = v;
        return add(std::move(n));
      }
      case Tok::Float: {
        Node n = mk(Op::FloatLit, Type::Float, Type::Float);
        n.f = std::strtod(t.text.c_str(), nullptr);
        return add(std::move(n));
      }
      case Tok::Ident: {
        if (auto it = m_const.find(t.text); it != m_const.end()) {
          return add(mk(Op::StrLit, Type::String, Type::String, -1, -1, it->second));
        }
        if (t.text == "true" || t.text == "false") {
          Node n = mk(Op::BoolLit, Type::Bool, Type::Bool);
          n.boolean = t.text == "true";
          return add(std::move(n));
        }
        return add(mk(Op::Attr, Type::String, Type::String, -1, -1, t.text));
      }
      case Tok::LParen: {
        Depth d(m_depth);
        IKE_TRY_VOID(depth_ok());
        IKE_TRY(int32_t x, test());
        if (!accept(Tok::RParen)) return unexpected(")");
        return x;
      }
      default:
        if (t.kind != Tok::End) --m_pos;
        return unexpected("an expression");
    }
  }

  // ---------------------------------------------------------------- Licensees
  int32_t add_lic(LicNode n) {
    m_lic.push_back(std::move(n));
    return static_cast<int32_t>(m_lic.size() - 1);
  }

  base::Result<int32_t> lic_or() { return lic_binary(true); }

  base::Result<int32_t> lic_binary(bool is_or) {
    IKE_TRY(int32_t l, is_or ? lic_binary(false) : lic_primary());
    Tok op = is_or ? Tok::Or : Tok::And;
    while (accept(op)) {
      IKE_TRY(int32_t r, is_or ? lic_binary(false) : lic_primary());
      LicNode n;
      n.kind = is_or ? LicNode::Or : LicNode::And;
      n.kids = {l, r};
      l = add_lic(std::move(n));
    }
    return l;
  }

  base::Result<int32_t> principal(const Token& t) {
    if (++m_principals > kMaxLicenseePrincipals) {
      return base::make_error(ErrorCode::TooMany, NotifyType::None,
                              "more than {} principals in Licensees", kMaxLicenseePrincipals);
    }
    std::string text = t.text;
    if (t.kind == Tok::Ident) {
      auto it = m_const.find(t.text);
      if (it == m_const.end()) {
        return base::make_error(ErrorCode::BadValue, NotifyType::None,
                                "Licensees: {} at offset {} is not a Local-Constant", t.text,
                                t.offset);
      }
      text = it->second;
    }
    LicNode n;
      n.kind = LicNode::Principal;
    n.principal = canonical_principal(text);
    return add_lic(std::move(n));
  }

  base::Result<int32_t> lic_primary() {
    Depth d(m_depth);
    IKE_TRY_VOID(depth_ok());
    const Token& t = next();
    switch (t.kind) {
      case Tok::String:
      case Tok::Ident: return principal(t);
      case Tok::LParen: {
        IKE_TRY(int32_t x, lic_or());
        if (!accept(Tok::RParen)) return unexpected(")");
        return x;
      }
      case Tok::KOf: {
        std::size_t off = t.offset;
        unsigned long k = std::strtoul(t.text.c_str(), nullptr, 10);
        if (!accept(Tok::LParen)) return unexpected("( after k-of");
        LicNode n;
      n.kind = LicNode::KOf;
        do {
          IKE_TRY(int32_t kid, lic_or());
          n.kids.push_back(kid);
        } while (accept(Tok::Comma));
        if (!accept(Tok::RParen)) return unexpected(")");
        if (k == 0 || k > n.kids.size()) {
          return base::make_error(ErrorCode::BadValue, NotifyType::None,
                                  "{}-of at offset {} with {} licensees", k, off, n.kids.size());
        }
        n.k = static_cast<uint32_t>(k);
        return add_lic(std::move(n));
      }
      default:
        if (t.kind != Tok::End) --m_pos;
        return unexpected("a principal");
    }
  }

  std::vector<Token> m_t;
  const Constants& m_const;
  std::size_t m_pos = 0;
  std::size_t m_depth = 0;
  std::size_t m_principals = 0;
  std::vector<Node> m_nodes;
  std::vector<std::size_t> m_depths;  // per node in m_nodes
  std::vector<LicNode> m_lic;
};

}  // namespace

base::Result<Conditions> parse_conditions(std::string_view text, const Constants& constants) {
  IKE_TRY(std::vector<Token> toks, tokenize(text, false));
  Parser p(std::move(toks), constants);
  auto r = p.conditions();
  if (!r) return std::move(r).error().with_context("Conditions");
  return r;
}

base::Result<Licensees> parse_licensees(std::string_view text, const Constants& constants) {
  IKE_TRY(std::vector<Token> toks, tokenize(text, true));
  Parser p(std::move(toks), constants);
  auto r = p.licensees();
  if (!r) return std::move(r).error().with_context("Licensees");
  return r;
}

}  // namespace ike::policy
