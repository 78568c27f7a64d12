// Conditions evaluator (RFC 2704 §4.6.5, §5). Values are typed as the parser inferred; integer
// arithmetic is 64-bit with overflow detection; division or modulo by zero, overflow, an
// over-long concatenation or an exhausted step budget make the enclosing clause false. "@"
// and "&" of a string that is not wholly a number give 0 (RFC 2704: "an attribute which is
// not a valid number evaluates to 0").
#include "policy/evaluate.h"

#include <cmath>
#include <cstdlib>

#include "policy/limits.h"

namespace ike::policy {

namespace {

struct Value {
  std::string s;
  int64_t i = 0;
  double f = 0;
  bool b = false;
};

class Evaluator {
 public:
  Evaluator(const Conditions& c, EvalContext& ctx) : m_c(c), m_ctx(ctx) {}

  std::size_t program(const Program& p) {
    std::size_t best = 0;
    std::size_t max = m_ctx.values->size() - 1;
    for (const Clause& cl : p.clauses) {
      m_failed = false;
      Value t = eval(cl.test);
      if (m_failed || !t.b) continue;
      std::size_t v = max;
      if (cl.block) {
        v = program(*cl.block);
      } else if (cl.value >= 0) {
        Value s = eval(cl.value);
        if (m_failed) continue;
        v = value_index(s.s);
      }
      best = std::max(best, v);
      if (best == max) break;
    }
    return best;
  }

 private:
  std::size_t value_index(const std::string& s) const {
    const auto& vals = *m_ctx.values;
    for (std::size_t k = 0; k < vals.size(); ++k) {
      if (vals[k] == s) return k;
    }
    return 0;
  }

  Value fail() {
    m_failed = true;
    return {};
  }

  std::string lookup(const std::string& name) {
    if (name.size() == 2 && name[0] == '_' && name[1] >= '0' && name[1] <= '9') {
      auto k = static_cast<std::size_t>(name[1] - '0');
      return k < m_ctx.captures.size() ? m_ctx.captures[k] : std::string();
    }
    return m_ctx.lookup(name);
  }

  static int64_t to_int(const std::string& s) {
    if (s.empty() || s.size() > 24) return 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    return *end == '\0' ? v : 0;
  }
  static double to_float(const std::string& s) {
    if (s.empty() || s.size() > 64) return 0;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    return *end == '\0' && std::isfinite(v) ? v : 0;
  }
  static double as_float(const Value& v, Type t) {
    return t == Type::Int ? static_cast<double>(v.i) : v.f;
  }

  template <class T>
  static bool compare(Op op, const T& l, const T& r) {
    switch (op) {
      case Op::Eq: return !(l < r) && !(r < l);
      case Op::Ne: return (l < r) || (r < l);
      case Op::Lt: return l < r;
      case Op::Gt: return r < l;
      case Op::Le: return !(r < l);
      case Op::Ge: return !(l < r);
      default: return false;
    }
  }

  Value arith(const Node& n, const Value& l, const Value& r) {
    Value out;
    if (n.type == Type::Float) {
      double a = as_float(l, m_c.nodes[static_cast<std::size_t>(n.a)].type);
      double b = as_float(r, m_c.nodes[static_cast<std::size_t>(n.b)].type);
      switch (n.op) {
        case Op::Add: out.f = a + b; break;
        case Op::Sub: out.f = a - b; break;
        case Op::Mul: out.f = a * b; break;
        case Op::Div:
          if (b == 0.0) return fail();
          out.f = a / b;
          break;
        case Op::Pow: out.f = std::pow(a, b); break;
        default: return fail();
      }
      if (!std::isfinite(out.f)) return fail();
      return out;
    }
    int64_t a = l.i, b = r.i;
    switch (n.op) {
      case Op::Add:
        if (__builtin_add_overflow(a, b, &out.i)) return fail();
        break;
      case Op::Sub:
        if (__builtin_sub_overflow(a, b, &out.i)) return fail();
        break;
      case Op::Mul:
        if (__builtin_mul_overflow(a, b, &out.i)) return fail();
        break;
      case Op::Div:
      case Op::Mod:
        if (b == 0 || (a == INT64_MIN && b == -1)) return fail();
        out.i = n.op == Op::Div ? a / b : a % b;
        break;
      case Op::Pow: {
        if (b < 0) return fail();
        int64_t acc = 1;
        for (int64_t k = 0; k < b; ++k) {  // at most 63 rounds before overflow unless |a| <= 1
          if (__builtin_mul_overflow(acc, a, &acc)) return fail();
          if (a == 0 || a == 1) break;
          if (a == -1) {
            acc = (b % 2 == 0) ? 1 : -1;
            break;
          }
        }
        out.i = (a == 0 && b > 0) ? 0 : acc;
        break;
      }
      default: return fail();
    }
    return out;
  }

  Value eval(int32_t id) {
    if (m_failed) return {};
    if (++*m_ctx.steps > kMaxEvalSteps) return fail();
    const Node& n = m_c.nodes[static_cast<std::size_t>(id)];
    Value out;
    switch (n.op) {
      case Op::StrLit: out.s = n.text; return out;
      case Op::Attr: out.s = lookup(n.text); return out;
      case Op::IntLit: out.i = n.i; return out;
      case Op::FloatLit: out.f = n.f; return out;
      case Op::BoolLit: out.b = n.boolean; return out;
      case Op::Neg: {
        Value x = eval(n.a);
        if (n.type == Type::Float) {
          out.f = -x.f;
        } else {
          if (x.i == INT64_MIN) return fail();
          out.i = -x.i;
        }
        return out;
      }
      case Op::Not: out.b = !eval(n.a).b; return out;
      case Op::IntOf: out.i = to_int(eval(n.a).s); return out;
      case Op::FloatOf: out.f = to_float(eval(n.a).s); return out;
      case Op::Deref: out.s = lookup(eval(n.a).s); return out;
      case Op::Concat: {
        Value l = eval(n.a);
        Value r = eval(n.b);
        if (l.s.size() + r.s.size() > kMaxStringValue) return fail();
        out.s = l.s + r.s;
        return out;
      }
      case Op::And: out.b = eval(n.a).b && eval(n.b).b; return out;
      case Op::Or: out.b = eval(n.a).b || eval(n.b).b; return out;
      case Op::RegexMatch: {
        Value subject = eval(n.a);
        std::shared_ptr<const Regex> re = n.regex;
        if (!re) {
          auto compiled = Regex::compile(eval(n.b).s);
          if (!compiled) return fail();
          re = *compiled;
        }
        std::vector<std::string> caps;
        out.b = re->match(subject.s, &caps);
        if (out.b) m_ctx.captures = std::move(caps);
        return out;
      }
      default: break;
    }
    Value l = eval(n.a);
    Value r = eval(n.b);
    if (m_failed) return {};
    switch (n.op) {
      case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Mod: case Op::Pow:
        return arith(n, l, r);
      default: break;
    }
    Type lt = m_c.nodes[static_cast<std::size_t>(n.a)].type;
    Type rt = m_c.nodes[static_cast<std::size_t>(n.b)].type;
    switch (n.operand_type) {
      case Type::String: out.b = compare(n.op, l.s, r.s); break;
      case Type::Int: out.b = compare(n.op, l.i, r.i); break;
      case Type::Float: out.b = compare(n.op, as_float(l, lt), as_float(r, rt)); break;
      case Type::Bool: return fail();
    }
    return out;
  }

  const Conditions& m_c;
  EvalContext& m_ctx;
  bool m_failed = false;
};

}  // namespace

std::size_t evaluate_conditions(const Conditions& c, EvalContext& ctx) {
  if (!c.present) return ctx.values->size() - 1;
  ctx.captures.clear();
  Evaluator ev(c, ctx);
  return ev.program(c.program);
}

}  // namespace ike::policy
