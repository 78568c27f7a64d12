// Hex encoding/decoding for logs, tests, the FIFO and config `0x` values.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace ike::base {

std::string to_hex(ByteView v);
// Accepts upper/lower case, optional "0x" prefix, and ignores whitespace and ':' separators.
[[nodiscard]] Result<Bytes> from_hex(std::string_view s);

}  // namespace ike::base
