// Kernel backend interface (design §3.7, modeled on strongSwan kernel_ipsec_t): SPI
// allocation, SA and policy (flow) installation. Implementations: null_backend (records what
// it would do; isakmpd -n), xfrm (issue 5), pfkey (issue 5). Runs in the daemon (privileged
// side), never in the engine.
#pragma once

#include <string>
#include <vector>

#include "base/ipsec_types.h"
#include "base/random.h"
#include "base/result.h"

namespace ike::kernel {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Allocates an inbound SPI (src = peer, dst = us). Never returns 0 or 1..255 (RFC 4303 §2.1).
  [[nodiscard]] virtual base::Result<base::Spi> get_spi(base::IpsecProtocol proto,
                                                        const base::IpAddress& src,
                                                        const base::IpAddress& dst) = 0;
  [[nodiscard]] virtual base::Status add_sa(const base::SaInstall& sa) = 0;
  [[nodiscard]] virtual base::Status delete_sa(const base::SaRef& ref,
                                               const base::IpAddress& src) = 0;
  [[nodiscard]] virtual base::Status add_flow(const base::FlowInstall& flow) = 0;
  [[nodiscard]] virtual base::Status delete_flow(const base::FlowInstall& flow) = 0;
  // Removes every SA and flow this backend installed (shutdown).
  [[nodiscard]] virtual base::Status flush() = 0;

  // Reads the kernel's SAD and SPD back (ipsecctl -s, the report, `S`). Backends that share the
  // kernel with others return everything the kernel holds, not only what they installed.
  [[nodiscard]] virtual base::Result<base::KernelState> read_state() = 0;
  // The kernel state as `S` shows it, appended to `out`: one ipsecctl -s sa style line per SA,
  // then one per flow (append_state_text below). The default renders read_state(); the null
  // backend renders its records where they are (issue #7: `S` at 100,000 SA pairs is ~45 MB of
  // this text and must be answered in under a second).
  [[nodiscard]] virtual base::Status append_state_text(std::string& out);

  // Kernel events (ACQUIRE, EXPIRE). event_fd() is polled by the daemon's event loop (-1: this
  // backend has no events); read_events() drains what is pending without blocking.
  virtual int event_fd() const { return -1; }
  [[nodiscard]] virtual base::Result<std::vector<base::KernelEvent>> read_events() {
    return std::vector<base::KernelEvent>{};
  }

  // Carries out `ops` in order, one result each (a failed op does not stop the later ones: they
  // were all requested by the same engine event). The default makes one call per op; the
  // privilege-separated backend sends them to the monitor in one message (issue #7: each
  // monitor round trip costs two context switches on the responder's core).
  [[nodiscard]] virtual std::vector<base::KernelOpResult> run_batch(
      const std::vector<base::KernelOp>& ops);
};

// One line per SA (NullBackend::append_sa) then one per flow (FlowInstall::append_to), each
// ending in '\n', appended to `out` with room reserved up front.
void append_state_text(std::string& out, const base::KernelState& state);
// Typical IPv4 line lengths, for reserving: one reservation instead of ~20 doublings.
inline constexpr std::size_t kSaLineBytes = 96;
inline constexpr std::size_t kFlowLineBytes = 112;

// One op on `backend` through its single-request methods (run_batch's default, the monitor).
[[nodiscard]] base::KernelOpResult run_kernel_op(Backend& backend, const base::KernelOp& op);

}  // namespace ike::kernel
