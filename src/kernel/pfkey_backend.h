// The PF_KEY v2 (RFC 2367) kernel backend: kernel::Backend over socket(PF_KEY, SOCK_RAW,
// PF_KEY_V2), for systems that have PF_KEY (the BSDs' key management interface, Linux with
// af_key). Messages come from pfkey_message.h. A request socket sends one message at a time
// (sadb_msg_seq fresh, sadb_msg_pid our pid) and reads until the kernel's answer with that
// seq and pid (PF_KEY also broadcasts other sockets' traffic, which is skipped); the event
// socket is registered (SADB_REGISTER) for ESP, AH and IPCOMP so the kernel sends it
// SADB_ACQUIRE and SADB_EXPIRE. Like XfrmBackend it remembers what it installed and flush()
// removes exactly that. Linux ACQUIREs carry no flow selector (the event's selectors are the
// SA endpoints as hosts), so on-demand tunnels between subnets need the XFRM backend.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kernel/backend.h"
#include "kernel/flush_installed.h"

namespace ike::kernel {

class PfkeyBackend final : public Backend {
 public:
  // Fails naming the step and errno (EAFNOSUPPORT when the kernel has no PF_KEY).
  [[nodiscard]] static base::Result<std::unique_ptr<PfkeyBackend>> open();
  ~PfkeyBackend() override;
  PfkeyBackend(const PfkeyBackend&) = delete;
  PfkeyBackend& operator=(const PfkeyBackend&) = delete;

  std::string name() const override { return "pfkey"; }
  [[nodiscard]] base::Result<base::Spi> get_spi(base::IpsecProtocol proto,
                                                const base::IpAddress& src,
                                                const base::IpAddress& dst) override;
  [[nodiscard]] base::Status add_sa(const base::SaInstall& sa) override;
  [[nodiscard]] base::Status delete_sa(const base::SaRef& ref,
                                       const base::IpAddress& src) override;
  [[nodiscard]] base::Status add_flow(const base::FlowInstall& flow) override;
  [[nodiscard]] base::Status delete_flow(const base::FlowInstall& flow) override;
  [[nodiscard]] base::Status flush() override;
  [[nodiscard]] base::Result<base::KernelState> read_state() override;
  int event_fd() const override { return m_events; }
  [[nodiscard]] base::Result<std::vector<base::KernelEvent>> read_events() override;

 private:
  PfkeyBackend(int requests, int events, uint32_t pid);
  // Sends `msg` and returns the answer with the same seq/pid (its errno checked).
  [[nodiscard]] base::Result<std::vector<uint8_t>> transact(base::ByteView msg, uint32_t seq,
                                                           const std::string& what);
  // SADB_DUMP / SADB_X_SPDDUMP: every answer up to the one with seq 0.
  [[nodiscard]] base::Result<std::vector<base::Bytes>> dump(uint8_t type,
                                                            const std::string& what);

  using SaKey = InstalledSa;  // (ref, src)
  int m_requests;
  int m_events;
  uint32_t m_pid;
  uint32_t m_seq = 0;
  std::set<SaKey> m_larval;
  std::set<SaKey> m_sas;
  std::vector<base::FlowInstall> m_flows;
  std::vector<uint8_t> m_buffer;
};

}  // namespace ike::kernel
