// Test support: a kernel that answers every engine KernelRequest immediately and records it.
// SPIs are allocated deterministically (base, base+1, ...), SAs and flows are kept in maps so a
// test can assert what is installed after an exchange or a DELETE (the role the daemon's
// kernel::Backend plays in production, design §3.3).
#pragma once

#include <deque>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "base/ipsec_types.h"
#include "engine/io.h"

namespace ike::test {

class RecordingKernel {
 public:
  // SPIs count up from spi_base; IPCOMP CPIs (16 bits) from spi_base >> 16.
  explicit RecordingKernel(uint32_t spi_base)
      : m_next_spi(spi_base), m_next_cpi((spi_base >> 16) & 0xffffu) {}

  // Executes `req` against the recorded state and returns the reply the engine must receive.
  engine::KernelReply handle(const engine::KernelRequest& req);

  // SPIs the next ESP/AH GETSPI requests hand out first (a kernel that makes SPIs unique per
  // destination only can repeat another address's), before the counter's.
  std::deque<base::Spi> forced_spis;
  // Makes the next N GETSPI requests fail (ok=false).
  void fail_get_spi(int n) { m_fail_get_spi = n; }
  // Makes the next N ADD SA requests fail (ok=false), like a kernel without ESP.
  void fail_add_sa(int n) { m_fail_add_sa = n; }

  std::vector<engine::KernelRequest> requests;        // every request, in order
  std::map<base::SaRef, base::SaInstall> sas;         // currently installed SAs
  std::vector<base::SaInstall> added;                 // every SA ever added
  std::set<base::FlowInstall> flows;                  // currently installed flows
  std::vector<base::Spi> allocated;                   // every SPI handed out

  std::size_t count_get_spi() const;
  std::size_t count_add_sa() const;
  std::size_t count_delete_sa() const;
  // The installed SA with this SPI (any destination), or nullopt.
  std::optional<base::SaInstall> find_sa(base::Spi spi) const;

 private:
  uint32_t m_next_spi;
  uint32_t m_next_cpi;
  int m_fail_get_spi = 0;
  int m_fail_add_sa = 0;
};

}  // namespace ike::test
