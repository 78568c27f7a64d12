// Names for ErrorCode (logs and test messages).
#include "base/result.h"

namespace ike::base {

const char* error_code_name(ErrorCode c) noexcept {
  switch (c) {
    case ErrorCode::Truncated: return "truncated";
    case ErrorCode::BadLength: return "bad length";
    case ErrorCode::BadValue: return "bad value";
    case ErrorCode::Reserved: return "reserved bits set";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::TooMany: return "too many";
    case ErrorCode::Crypto: return "crypto failure";
    case ErrorCode::Auth: return "authentication failed";
    case ErrorCode::NoProposal: return "no proposal chosen";
    case ErrorCode::State: return "invalid state";
    case ErrorCode::Config: return "configuration error";
    case ErrorCode::NotFound: return "not found";
    case ErrorCode::Io: return "i/o error";
    case ErrorCode::Internal: return "internal error";
  }
  return "unknown error";
}

}  // namespace ike::base
