// Implementation of the byte helpers declared in bytes.h.
#include "base/bytes.h"

#include <algorithm>
#include <cstring>
#include <strings.h>

namespace ike::base {

void secure_wipe(void* p, std::size_t n) noexcept {
  if (p != nullptr && n != 0) {
    ::explicit_bzero(p, n);
  }
}

void append(Bytes& out, ByteView v) { out.insert(out.end(), v.begin(), v.end()); }
void append(SecureBytes& out, ByteView v) { out.insert(out.end(), v.begin(), v.end()); }

bool operator_equal(ByteView a, ByteView b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace ike::base
