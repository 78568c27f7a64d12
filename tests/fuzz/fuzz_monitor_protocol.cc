// Fuzz target: bytes -> decode_request / decode_reply / decode_event (monitor_protocol.h).
// Invariants checked (trap on violation): a decoded message re-encodes to exactly the input
// bytes (the encoding is canonical, so nothing is silently dropped or reinterpreted), decoded
// strings and counts respect their caps, and decoding is deterministic.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "daemon/monitor_protocol.h"

namespace {

using namespace ike::daemon::privsep;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool same(const ike::base::Bytes& a, const uint8_t* data, size_t size) {
  return a.size() == size && std::equal(a.begin(), a.end(), data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ike::base::ByteView in(data, size);
  if (auto req = decode_request(in)) {
    if (auto* r = std::get_if<ReadFileReq>(&*req)) check(r->path.size() <= kMaxPath);
    if (auto* r = std::get_if<RunModeCfgScriptReq>(&*req)) {
      check(r->script.size() <= kMaxPath && r->vars.size() <= kMaxScriptVars);
      for (const auto& [k, v] : r->vars) {
        check(k.size() <= kMaxScriptVarName && v.size() <= kMaxScriptVarValue);
      }
    }
    if (auto* b = std::get_if<KernelBatchReq>(&*req)) {
      check(!b->ops.empty() && b->ops.size() <= kMaxBatchOps);
    }
    auto again = encode_request(*req);
    if (again) check(same(*again, data, size));
    check(decode_request(in).has_value());
  }
  if (auto rep = decode_reply(in)) {
    if (auto* b = std::get_if<BatchReply>(&*rep)) {
      check(!b->replies.empty() && b->replies.size() <= kMaxBatchOps);
    }
    if (auto* n = std::get_if<NamesReply>(&*rep)) {
      check(n->names.size() <= kMaxNames);
      for (const auto& s : n->names) check(s.size() <= kMaxName);
    }
    if (auto* e = std::get_if<ErrorReply>(&*rep)) check(e->detail.size() <= kMaxDetail);
    auto again = encode_reply(*rep);
    if (again) check(same(*again, data, size));
  }
  if (auto ev = decode_event(in)) {
    auto again = encode_event(*ev);
    check(again.has_value() && same(*again, data, size));
  }
  return 0;
}
