// Reassembly of IKEv1 fragments (the Cisco/strongSwan extension; wire layout in
// wire/fragment.h). Sans-I/O: `now` is passed in, nothing is sent. One reassembly per cookie
// pair at a time, each capped at kMaxFragments numbered parts and kMaxBytes octets, discarded
// after a timeout; the number of concurrent reassemblies is capped too (the oldest is evicted).
// Insertion is O(1) in the fragment's slot (a fixed array indexed by number - 1) after one
// lookup in a map of at most kMaxReassemblies entries. Hostile cases -- duplicate numbers,
// number 0 or above the announced last one, two different "last" fragments, a second message id
// interleaved with the first, oversize totals -- each give a Dropped outcome with a reason.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/ids.h"
#include "wire/fragment.h"

namespace ike::engine {

struct ReassemblyLimits {
  static constexpr std::size_t kMaxFragments = wire::kMaxFragmentNumber;  // 16
  static constexpr std::size_t kMaxBytes = 64 * 1024;                    // whole message
  static constexpr std::size_t kMaxReassemblies = 64;                    // cookie pairs
  static constexpr base::Seconds kTimeout{30};  // the first fragment's age limit
};

class FragmentReassembler {
 public:
  struct Outcome {
    enum class Kind : uint8_t { Stored, Complete, Dropped };
    Kind kind = Kind::Stored;
    base::Bytes message;  // Complete: the reassembled datagram (fragments 1..last in order)
    std::string reason;   // Dropped: why (fragment, reassembly or both were discarded)
  };

  // Adds one parsed fragment. A completed message leaves no state behind.
  Outcome insert(const wire::Fragment& f, base::TimePoint now);
  // Discards reassemblies older than the timeout; returns how many.
  std::size_t expire(base::TimePoint now);
  std::size_t in_progress() const noexcept { return m_entries.size(); }

 private:
  struct Entry {
    uint16_t id = 0;
    std::array<base::Bytes, ReassemblyLimits::kMaxFragments> parts;
    std::bitset<ReassemblyLimits::kMaxFragments> present;
    uint8_t last = 0;     // number of the fragment flagged last, 0 until seen
    uint8_t highest = 0;  // highest number stored
    std::size_t bytes = 0;
    base::TimePoint started{};
  };
  Outcome drop(std::string reason);
  void evict_oldest();

  std::map<base::CookiePair, Entry> m_entries;
};

}  // namespace ike::engine
