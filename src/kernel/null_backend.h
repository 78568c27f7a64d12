// The null kernel backend (`isakmpd -n`: "the kernel will not take part in the negotiations").
// It allocates SPIs from an injected base::Random (never 0..255, RFC 4303 §2.1; unique among
// the SPIs it handed out), records every SA and flow it is asked to install in memory, logs
// (class Sysdep) what a real kernel would do, and renders the recorded state as ipsecctl -s all
// style text for the FIFO `S` command. It mirrors kernel semantics where they matter to the
// engine: adding an existing SA fails like EEXIST, deleting an unknown SA or flow fails like
// ESRCH, adding a flow with an existing selector replaces it (XFRM_MSG_UPDPOLICY), a flow whose
// SA bundle XFRM would refuse (a protocol twice, unknown) is refused. Every request costs
// O(log n) in the SAs and flows held (issue #7: a daemon keeping 100 000 SA pairs with -n
// scanned them all per install); the recorded state keeps installation order. The records are
// compact (null_records.h: no key copies, no key vectors).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kernel/backend.h"
#include "kernel/null_records.h"

namespace ike::kernel {

class NullBackend final : public Backend {
 public:
  // `rng` must outlive the backend. The SAs' keys are not kept (a null kernel never uses them,
  // and a process that holds no key cannot leak one) unless `keep_keys` (tests that check the
  // keys reached the backend).
  explicit NullBackend(base::Random& rng, bool keep_keys = false);

  std::string name() const override { return "null"; }
  [[nodiscard]] base::Result<base::Spi> get_spi(base::IpsecProtocol proto,
                                                const base::IpAddress& src,
                                                const base::IpAddress& dst) override;
  [[nodiscard]] base::Status add_sa(const base::SaInstall& sa) override;
  [[nodiscard]] base::Status delete_sa(const base::SaRef& ref,
                                       const base::IpAddress& src) override;
  [[nodiscard]] base::Status add_flow(const base::FlowInstall& flow) override;
  [[nodiscard]] base::Status delete_flow(const base::FlowInstall& flow) override;
  [[nodiscard]] base::Status flush() override;
  // The recorded SAs and flows (a null kernel holds exactly what was installed).
  [[nodiscard]] base::Result<base::KernelState> read_state() override;
  // Renders the records in installation order without copying them into a KernelState.
  [[nodiscard]] base::Status append_state_text(std::string& out) override;

  // Recorded state, in installation order (a replaced flow keeps its place): snapshots.
  std::vector<base::SaInstall> sas() const;
  std::vector<base::FlowInstall> flows() const;
  std::size_t sa_count() const noexcept { return m_sas.size(); }
  std::size_t flow_count() const noexcept { return m_flows.size(); }
  // SPIs in use: larval (get_spi, not yet added) and installed.
  std::size_t allocated_spi_count() const noexcept { return m_allocated.size() + m_sas.size(); }

  // One line per SA then one per flow, each ending in '\n':
  //   esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x1234abcd auth hmac-sha1 enc aes-128
  //   flow esp out from 10.1.1.0/24 to 10.1.2.0/24 local 192.0.2.1 peer 192.0.2.2 type require
  std::string dump() const;
  static std::string format_sa(const base::SaInstall& sa);
  // format_sa(sa) appended to `out` in place: `S` renders 200 000 SAs into one string.
  static void append_sa(std::string& out, const base::SaInstall& sa);

 private:
  void append_records(std::string& out) const;  // dump() and append_state_text()
  friend struct NullBackendTestAccess;  // lowers m_seq_limit to exercise the renumbering

  using SpiKey = std::tuple<base::IpsecProtocol, base::IpAddress, uint32_t>;
  static constexpr int kMaxSpiAttempts = 1024;

  // The next installation sequence number; renumbers the records 0..n-1 (keeping their order)
  // when the 32-bit counter reaches m_seq_limit: O(n log n) once per 4 billion installs.
  uint32_t take_seq();
  void renumber();
  // The SaInstall a record stands for, with its keys if they were kept.
  base::SaInstall sa_install(const null_records::SaRecord& r) const;

  struct Keys {
    base::SecureBytes enc_key;
    base::SecureBytes auth_key;
  };

  base::Random& m_rng;
  bool m_keep_keys = false;
  std::set<SpiKey> m_allocated;  // larval SPIs: handed out by get_spi, not yet added or deleted
  uint32_t m_next_seq = 0;       // installation order (snapshots and `S` are sorted by it)
  uint32_t m_seq_limit = std::numeric_limits<uint32_t>::max();
  std::set<null_records::SaRecord, null_records::SaOrder> m_sas;
  std::set<null_records::FlowRecord, null_records::FlowOrder> m_flows;  // replaced: same seq
  std::map<base::SaRef, Keys> m_keys;  // keep_keys only
};

}  // namespace ike::kernel
