// Result<T>: the error-as-value type of every parser, crypto call and engine step (the
// std::expected API surface, since gcc 12 has no <expected> in C++20). An Error carries a
// machine code, the ISAKMP notify the engine MAY send (the decision stays with the engine), and
// a precise human detail string ("SA payload: transform length 40 exceeds proposal remainder 36").
#pragma once

#include <fmt/core.h>

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/notify_type.h"

namespace ike::base {

enum class ErrorCode : uint8_t {
  Truncated,    // input ended before a field
  BadLength,    // a length field disagrees with its container
  BadValue,     // a field holds a value outside its domain
  Reserved,     // non-zero reserved bits
  Unsupported,  // well-formed but not implemented / not allowed
  TooMany,      // a count cap was exceeded
  Crypto,       // a crypto primitive failed or a check did not verify
  Auth,         // authentication failed (HASH/SIG mismatch, wrong PSK)
  NoProposal,   // no acceptable proposal
  State,        // message not valid in the current state
  Config,       // configuration error
  NotFound,     // lookup failed
  Io,           // system call failed (daemon/kernel only)
  Internal,     // invariant broken
};

const char* error_code_name(ErrorCode c) noexcept;

struct Error {
  ErrorCode code = ErrorCode::Internal;
  NotifyType notify = NotifyType::None;
  std::string detail;

  // Prefixes the detail with context: "SA payload: " + detail.
  Error&& with_context(std::string_view ctx) && {
    detail.insert(0, fmt::format("{}: ", ctx));
    return std::move(*this);
  }
};

template <class... Args>
[[nodiscard]] Error make_error(ErrorCode code, NotifyType notify, fmt::format_string<Args...> f,
                               Args&&... args) {
  return Error{code, notify, fmt::format(f, std::forward<Args>(args)...)};
}

template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Error>);

 public:
  Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  template <class U, class = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                              !std::is_same_v<std::decay_t<U>, Error> &&
                                              !std::is_same_v<std::decay_t<U>, T>>>
  Result(U&& u) : m_v(std::in_place_index<0>, T(std::forward<U>(u))) {}  // NOLINT

  bool has_value() const noexcept { return m_v.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(m_v); }
  const T& value() const& { assert(has_value()); return std::get<0>(m_v); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(m_v)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { assert(!has_value()); return std::get<1>(m_v); }
  Error&& error() && { assert(!has_value()); return std::get<1>(std::move(m_v)); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> m_v;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : m_error(std::move(error)), m_ok(false) {}  // NOLINT
  bool has_value() const noexcept { return m_ok; }
  explicit operator bool() const noexcept { return m_ok; }
  void value() const { assert(m_ok); }
  const Error& error() const& { assert(!m_ok); return m_error; }
  Error&& error() && { assert(!m_ok); return std::move(m_error); }

 private:
  Error m_error;
  bool m_ok = true;
};

using Status = Result<void>;
inline Status ok() { return {}; }

}  // namespace ike::base

// Propagate an error: IKE_TRY(auto x, expr); or IKE_TRY_VOID(expr);
#define IKE_CONCAT_INNER(a, b) a##b
#define IKE_CONCAT(a, b) IKE_CONCAT_INNER(a, b)
#define IKE_TRY_IMPL(tmp, decl, expr)          \
  auto tmp = (expr);                           \
  if (!tmp.has_value()) {                      \
    return std::move(tmp).error();             \
  }                                            \
  decl = std::move(tmp).value()
#define IKE_TRY(decl, expr) IKE_TRY_IMPL(IKE_CONCAT(ike_try_tmp_, __LINE__), decl, expr)
#define IKE_TRY_VOID(expr)                                   \
  do {                                                       \
    auto ike_try_status_ = (expr);                           \
    if (!ike_try_status_.has_value()) {                      \
      return std::move(ike_try_status_).error();             \
    }                                                        \
  } while (0)
